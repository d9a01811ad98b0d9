// Element access for the floating dtypes of octet.h inside kernels.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

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
