// Warp and block reductions shared by the CUDA kernels.
#pragma once

#include <cuda_runtime.h>

namespace octet::cuda {

// Running max |v| that remembers a non-finite value: result() is +Inf when a NaN or Inf was
// added (a finite absmax never is), which callers read as "non-finite seen". Two instructions
// per value: fmaxf ignores NaN, so NaN and Inf are caught by v * 0 (NaN exactly for them)
// accumulated into `poison`.
struct AbsMax {
  float m = 0.0f, poison = 0.0f;
  __device__ __forceinline__ void add(float v) {
    m = fmaxf(m, fabsf(v));
    poison = fmaf(v, 0.0f, poison);
  }
  __device__ __forceinline__ float result() const { return isnan(poison) ? INFINITY : m; }
};

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
