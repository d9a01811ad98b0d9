// int8 quantization with one scale on the GPU, bit-identical to quantize_value
// (common/numerics.hpp): clamp(rint(x / scale), -127, 127), the division IEEE.
//
// An IEEE division costs ~8 instructions per value and dominated the activation quantization
// kernels (an H100 profile: ~25 instructions per element, issue-bound). Here the rounding is
// decided by y = x * (1 / scale) wherever that is safe and the division is redone only where it
// is not:
//   With Q = x / scale (exact), D = RN(Q) (the IEEE quotient) and y = RN(x * RN(1 / scale)):
//   |D - Q| <= 2^-24 |Q| and |y - Q| <= (2^-23 + 2^-48) |Q|, so for |Q| <= 128,
//   |y - D| <= 1.5 * 2^-16 + 2^-41 < 2^-15. If y lies more than 2^-15 from every half-integer
//   (kRoundingMargin), D lies in the same open interval (k - 1/2, k + 1/2) and rint(D) =
//   rint(y) = k. For |Q| > 128 both |y| and |D| exceed 127.5 (by the same bounds), round beyond
//   127 with the same sign and clamp alike. Inf or NaN in y (a huge quotient, a zero or
//   subnormal scale, x non-finite) fails the test and takes the division.
// The slow path runs for ~0.006% of uniformly spread quotients (within 2^-15 of a
// half-integer): ~1.6% of a warp's chunks of 256 values. (With a 2^-10 margin it was 0.2% and
// 40% of the chunks, the warp taking it for all its lanes: a quarter of the instructions of
// LLM.int8()'s spec_quant_kernel; H100, docs/perf-notes-llm-int8.md, twenty-first session.)
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/numerics.hpp"
#include "cuda/common/reduce.cuh"

namespace octet::cuda {

struct Int8Quantizer {
  float scale, inv;
  bool bounded;  // every value to quantize has |x| <= an absmax with RN(absmax * inv) < 127.25

  __device__ __forceinline__ explicit Int8Quantizer(float s) : scale(s), inv(1.0f / s), bounded(false) {}
  // For values of magnitude at most `absmax` (the maximum the scale came from): then
  // |RN(x * inv)| <= RN(absmax * inv) (rounding is monotone), which pack8's fast path needs.
  __device__ __forceinline__ Int8Quantizer(float s, float absmax) : scale(s), inv(1.0f / s) {
    bounded = mul_rn(absmax, inv) < 127.25f;
  }

  // False for a row whose scale is NaN (it held a NaN or Inf): its values quantize to 0.
  __device__ __forceinline__ bool finite() const { return !isnan(scale); }

  // clamp(rint(x / scale), -127, 127) as an int in [-127, 127] (NaN in, NaN scale: -127, as
  // fminf/fmaxf make quantize_value do; callers zero those themselves).
  __device__ __forceinline__ int operator()(float x) const {
    const float y = x * inv;
    float r = rintf(y);
    if (!(fabsf(y - r) < kRoundingMargin)) r = rintf(x / scale);
    return static_cast<int>(fminf(fmaxf(r, -127.0f), 127.0f));
  }

  // v[0..7] quantized, as 8 bytes in order (the 4-byte words little-endian); value j is 0 where
  // bit j of `zero` is set. The fast path is numerics.hpp's shifter_round (rint(y) from the
  // 1.5 * 2^23 shifter, with the test above: |y - r| < 1/2 - 2^-15; no rintf, no conversion),
  // taken for a `bounded` quantizer only: |y| < 127.25 keeps rint(y) in [-127, 127], so no clamp
  // either. All 8 values are rounded before one test; a value that fails it (a near-tie; NaN
  // anywhere) sends the 8 to the exact path. y = mul_rn(x, inv): no contraction into an fma.
  __device__ __forceinline__ uint2 pack8(const float (&v)[8], uint32_t zero) const {
    uint32_t t[8];
    bool fast = bounded;
#pragma unroll
    for (int j = 0; j < 8; ++j) fast &= shifter_round(mul_rn(v[j], inv), &t[j]);
    if (!fast) {
#pragma unroll
      for (int j = 0; j < 8; ++j) t[j] = static_cast<uint32_t>((*this)(v[j]));
    }
    uint32_t w[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      uint32_t b[4];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = ((zero >> (4 * h + j)) & 1u) ? 0u : t[4 * h + j];
      // bytes b0.0 b1.0 b2.0 b3.0 (the low bytes)
      w[h] = __byte_perm(__byte_perm(b[0], b[1], 0x0040), __byte_perm(b[2], b[3], 0x0040), 0x5410);
    }
    return make_uint2(w[0], w[1]);
  }
};

// A row's quantizer from its absmax m (+Inf when the row holds a NaN or Inf): scale = m / 127
// (1 for an all-zero row), or NaN for a non-finite row (finite() false); `writer` stores the scale.
__device__ __forceinline__ Int8Quantizer quantizer_for(float m, bool writer, float* scale_out) {
  const float scale = activation_scale(m);
  if (writer) *scale_out = scale;
  return Int8Quantizer(scale, m);
}

// A row spread over the block (every thread calls it: block_max has barriers); thread 0 writes.
__device__ __forceinline__ Int8Quantizer row_quantizer(const AbsMax& acc, float* scale_out) {
  return quantizer_for(block_max(acc.result()), threadIdx.x == 0, scale_out);
}

}  // namespace octet::cuda
