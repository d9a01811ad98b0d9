// Scalar definitions of the tensor statistics (oct_tensor_absmax / _minmax / _histogram), shared
// by the CPU backend and the CUDA kernels so that they agree bit for bit. Reductions work on
// unsigned keys, so that the CUDA kernels can combine partial results with integer atomics:
//   absmax: key = bits of |v|. Non-negative floats order like their bits, and every NaN's bits
//           (sign cleared) lie above +Inf's, so max(keys) is NaN as soon as one value is NaN.
//   minmax: key = an order-preserving map of v; NaN takes 0 for the minimum and 0xffffffff for
//           the maximum, which no other value maps to, and a NaN result spreads to both.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/numerics.hpp"

namespace octet::stats {

#if defined(__CUDACC__)
OCT_HD uint32_t bits_of(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}
OCT_HD float float_of(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}
#else
inline uint32_t bits_of(float f) { return float_bits(f); }
inline float float_of(uint32_t u) { return bits_float(u); }
#endif

constexpr uint32_t kNanMinKey = 0u;           // a NaN's key in a minimum
constexpr uint32_t kNanMaxKey = 0xffffffffu;  // a NaN's key in a maximum

OCT_HD uint32_t absmax_key(float v) { return bits_of(v) & 0x7fffffffu; }

// Order-preserving: a < b (with -0 < +0) iff ordered_key(a) < ordered_key(b); not for NaN.
OCT_HD uint32_t ordered_key(float v) {
  uint32_t u = bits_of(v);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
OCT_HD float from_ordered_key(uint32_t k) {
  return float_of((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}
OCT_HD bool is_nan(float v) { return (bits_of(v) & 0x7fffffffu) > 0x7f800000u; }
OCT_HD uint32_t min_key(float v) { return is_nan(v) ? kNanMinKey : ordered_key(v); }
OCT_HD uint32_t max_key(float v) { return is_nan(v) ? kNanMaxKey : ordered_key(v); }

// (min, max) from the reduced keys; both NaN when either saw a NaN.
OCT_HD void decode_minmax(uint32_t kmin, uint32_t kmax, float& mn, float& mx) {
  if (kmin == kNanMinKey || kmax == kNanMaxKey) {
    mn = mx = float_of(0x7fc00000u);
  } else {
    mn = from_ordered_key(kmin);
    mx = from_ordered_key(kmax);
  }
}

// The bin of v, or -1 for NaN: t = (v - lo) * inv in fp32, (int)t clamped to [0, bins - 1].
// (v - lo) * inv has no add after the multiply, so no compiler may contract it into an FMA.
OCT_HD int32_t histogram_bin(float v, float lo, float inv, int32_t bins, bool absolute) {
  if (is_nan(v)) return -1;
  if (absolute) v = float_of(bits_of(v) & 0x7fffffffu);
#if defined(__CUDA_ARCH__)
  const float t = __fmul_rn(__fsub_rn(v, lo), inv);
#else
  const float t = (v - lo) * inv;
#endif
  if (!(t >= 0.0f)) return 0;
  if (t >= static_cast<float>(bins)) return bins - 1;
  return static_cast<int32_t>(t);
}

}  // namespace octet::stats
