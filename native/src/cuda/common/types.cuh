// Element access for the floating dtypes of octet.h inside kernels.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "octet/octet.h"

namespace octet::cuda {

template <oct_dtype_t D> struct Element;
template <> struct Element<OCT_DTYPE_FP32> {
  using type = float;
  static __device__ __forceinline__ float load(float v) { return v; }
  static __device__ __forceinline__ float store(float v) { return v; }
};
template <> struct Element<OCT_DTYPE_FP16> {
  using type = __half;
  static __device__ __forceinline__ float load(__half v) { return __half2float(v); }
  static __device__ __forceinline__ __half store(float v) { return __float2half_rn(v); }
};
template <> struct Element<OCT_DTYPE_BF16> {
  using type = __nv_bfloat16;
  static __device__ __forceinline__ float load(__nv_bfloat16 v) { return __bfloat162float(v); }
  static __device__ __forceinline__ __nv_bfloat16 store(float v) { return __float2bfloat16_rn(v); }
};

// The 16-bit dtypes' bit tricks: |v| as bits orders like |v| (NaN above Inf); kInf is Inf's.
// absmax(b): the float of a maximum of such bits, +Inf when it is a NaN's or Inf's (AbsMax's
// convention for "non-finite seen").
template <oct_dtype_t D> struct Bits16;
template <> struct Bits16<OCT_DTYPE_FP16> {
  static constexpr uint32_t kInf = 0x7c00u;
  // The bits of the largest fp16 <= t (t > 0): for an fp16 v, v > t exactly when bits(v) > it.
  static __device__ __forceinline__ uint32_t below(float t) { return __half_as_ushort(__float2half_rd(t)); }
  static __device__ __forceinline__ float value(uint32_t b) { return __half2float(__ushort_as_half(static_cast<unsigned short>(b))); }
  static __device__ __forceinline__ float absmax(uint32_t b) { return b >= kInf ? INFINITY : value(b); }
};
template <> struct Bits16<OCT_DTYPE_BF16> {
  static constexpr uint32_t kInf = 0x7f80u;
  static __device__ __forceinline__ uint32_t below(float t) { return __bfloat16_as_ushort(__float2bfloat16_rd(t)); }
  static __device__ __forceinline__ float value(uint32_t b) { return __uint_as_float(b << 16); }
  static __device__ __forceinline__ float absmax(uint32_t b) { return b >= kInf ? INFINITY : value(b); }
};

// m and the |v| bits of 8 16-bit values (16 bytes), two per word: the per-halfword maxima.
__device__ __forceinline__ uint32_t max_abs_bits8(uint32_t m, const uint4& raw) {
  constexpr uint32_t kAbs2 = 0x7fff7fffu;
  return __vmaxu2(m, __vmaxu2(__vmaxu2(raw.x & kAbs2, raw.y & kAbs2), __vmaxu2(raw.z & kAbs2, raw.w & kAbs2)));
}

// Per halfword of m and of 8 16-bit values (16 bytes): the larger |v| bits (column maxima).
__device__ __forceinline__ uint4 max_abs_bits2x4(const uint4& m, const uint4& raw) {
  constexpr uint32_t kAbs2 = 0x7fff7fffu;
  return make_uint4(__vmaxu2(m.x, raw.x & kAbs2), __vmaxu2(m.y, raw.y & kAbs2),
                    __vmaxu2(m.z, raw.z & kAbs2), __vmaxu2(m.w, raw.w & kAbs2));
}

// Calls f(std::integral_constant<oct_dtype_t, D>{}) for a floating dtype D.
template <typename F>
void dispatch_float_dtype(oct_dtype_t dtype, F&& f) {
  switch (dtype) {
    case OCT_DTYPE_FP32: f(std::integral_constant<oct_dtype_t, OCT_DTYPE_FP32>{}); return;
    case OCT_DTYPE_FP16: f(std::integral_constant<oct_dtype_t, OCT_DTYPE_FP16>{}); return;
    case OCT_DTYPE_BF16: f(std::integral_constant<oct_dtype_t, OCT_DTYPE_BF16>{}); return;
    default: fail(OCT_STATUS_INTERNAL, "unexpected floating dtype %d", static_cast<int>(dtype));
  }
}

}  // namespace octet::cuda
