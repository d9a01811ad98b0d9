// Warp and block reductions shared by the CUDA kernels.
#pragma once

#include <cuda_runtime.h>

namespace octet::cuda {

// |v|, or +Inf for a NaN or Inf: a maximum that reaches +Inf means "a non-finite value was seen"
// (a finite absmax never is).
__device__ __forceinline__ float abs_or_inf(float v) { return isfinite(v) ? fabsf(v) : INFINITY; }

// Max over the warp; every lane gets the result.
__device__ __forceinline__ float warp_max(float m) {
  for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
  return m;
}

// Max over the block (of non-negative values); every thread gets the result. Contains
// __syncthreads(): call it from all threads of the block.
__device__ __forceinline__ float block_max(float m) {
  __shared__ float per_warp[32];
  __shared__ float result;
  m = warp_max(m);
  if ((threadIdx.x & 31) == 0) per_warp[threadIdx.x >> 5] = m;
  __syncthreads();
  if (threadIdx.x == 0) {
    float r = 0.0f;
    for (int i = 0; i < (blockDim.x + 31) / 32; ++i) r = fmaxf(r, per_warp[i]);
    result = r;
  }
  __syncthreads();
  return result;
}

}  // namespace octet::cuda
