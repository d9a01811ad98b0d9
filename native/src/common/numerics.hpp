// Scalar numerics shared by the CPU backend, the CUDA kernels and the native tests, so that the
// backends agree bit for bit. Java's reference (dev.octet.reference.Numerics) mirrors this file.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define OCT_HD __host__ __device__ __forceinline__
#else
#define OCT_HD inline
#endif

namespace octet {

constexpr float kInt8Max = 127.0f;

// scale = absmax / 127, or 1 where that is 0. `absmax` is finite here (a row with a non-finite
// value is handled by the caller: scale NaN, q = 0).
OCT_HD float scale_from_absmax(float absmax) {
  float s = absmax / kInt8Max;
  return s == 0.0f ? 1.0f : s;
}

// An activation row's (or tensor's) scale from the max |x| the quantizers take over it, which is
// +Inf when it holds a NaN or an Inf: then NaN (the row quantizes to zeros), else
// scale_from_absmax. Every dynamic activation quantizer (CPU, CUDA, LLM.int8()'s regular part).
OCT_HD float activation_scale(float absmax) {
  return absmax == INFINITY ? NAN : scale_from_absmax(absmax);
}

// Round-to-nearest fp32 operations the CUDA compiler may not contract into an fma (host C++
// arithmetic on x86-64 without -mfma does not contract either).
OCT_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
OCT_HD float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
OCT_HD float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

// Within this distance of 1/2 from an integer, y = RN(x * RN(1 / scale)) no longer decides how
// x / scale rounds, and the CUDA quantizers redo the IEEE division (cuda/common/quantize.cuh has
// the bound: |y - RN(x / scale)| < 2^-15 wherever |x / scale| <= 128).
constexpr float kRoundingMargin = 0.5f - 0x1p-15f;

// The CUDA quantizers' fast rounding (cuda/common/quantize.cuh) of y = RN(x * RN(1 / scale)):
// s = RN(y + 1.5 * 2^23) holds rint(y) in its low mantissa bits for |y| < 2^22 (its low byte is
// rint(y)'s two's-complement byte), and r = s - 1.5 * 2^23 and y - r are exact (Sterbenz,
// |y - r| <= 1/2). Returns whether y lies more than 2^-15 from every half-integer, which makes
// rint(y) = rint(x / scale) wherever |x / scale| <= 128 (the argument is in quantize.cuh); a
// NaN or Inf y returns false. *bits: the bits of s.
OCT_HD bool shifter_round(float y, uint32_t* bits) {
  constexpr float kShifter = 12582912.0f;  // 1.5 * 2^23
  const float s = add_rn(y, kShifter);
  const bool exact = std::fabs(sub_rn(y, sub_rn(s, kShifter))) < kRoundingMargin;
  std::memcpy(bits, &s, 4);
  return exact;
}

// clamp(round_half_to_even(x / scale), -127, 127). rintf rounds half to even in the default
// rounding mode, on the host and on the device; the division is IEEE (no fast math anywhere).
OCT_HD int8_t quantize_value(float x, float scale) {
  float q = rintf(x / scale);
  q = fminf(fmaxf(q, -kInt8Max), kInt8Max);
  return static_cast<int8_t>(q);
}

// ---- host conversions (round to nearest even), matching __float2half_rn / __float2bfloat16_rn
// for every non-NaN input; NaN maps to a quiet NaN of either sign.

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline float bf16_to_float(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }

inline uint16_t float_to_bf16(float f) {
  uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);  // NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (mant << 13));  // Inf / NaN
  if (exp == 0) {
    if (mant == 0) return bits_float(sign);
    // subnormal: mant * 2^-24
    float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

inline uint16_t float_to_half(float f) {
  uint32_t u = float_bits(f);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu));  // NaN
  if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: Inf
  if (a < 0x38800000u) {
    // result is subnormal or zero: value * 2^24 rounded to an integer, half to even
    float v = bits_float(a) * 16777216.0f;  // exact: scaling by a power of two
    float r = std::nearbyint(v);            // default rounding mode: half to even
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(r));
  }
  // normal: rebias the exponent, round the 13 dropped mantissa bits half to even
  uint32_t rebased = a - (112u << 23);
  uint32_t rounded = rebased + 0xfffu + ((rebased >> 13) & 1u);
  return static_cast<uint16_t>(sign | (rounded >> 13));
}

}  // namespace octet
