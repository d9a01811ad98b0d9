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

// Max over the block of non-negative values (+Inf allowed, no NaN); every thread gets the result;
// blockDim.x a multiple of 32.
// One barrier: each warp reduces with redux.sync on the floats' bits (a non-negative float's
// bits order like the float), then every warp reduces the per-warp maxima itself (before: thread
// 0 looped over them between two barriers; measured on an H200, the per-token quantization
// 5-17% faster). Call it from all threads of the block, at most once per block: a second call
// could overwrite the per-warp slots while a slower warp still reads them.
__device__ __forceinline__ float block_max(float m) {
  __shared__ unsigned per_warp[32];
  const unsigned lane = threadIdx.x & 31u, warps = (blockDim.x + 31u) >> 5;
  const unsigned b = __reduce_max_sync(0xffffffffu, __float_as_uint(m));
  if (warps == 1) return __uint_as_float(b);
  if (lane == 0) per_warp[threadIdx.x >> 5] = b;
  __syncthreads();
  return __uint_as_float(__reduce_max_sync(0xffffffffu, lane < warps ? per_warp[lane] : 0u));
}

// block_max's max of m together with the sum of n over the block, under the same rules (one
// barrier, at most one call per block, from every thread).
__device__ __forceinline__ void block_max_sum(float m, unsigned n, float* max_out, unsigned* sum_out) {
  __shared__ unsigned per_warp[2][32];
  const unsigned lane = threadIdx.x & 31u, warps = (blockDim.x + 31u) >> 5;
  const unsigned b = __reduce_max_sync(0xffffffffu, __float_as_uint(m));
  const unsigned s = __reduce_add_sync(0xffffffffu, n);
  if (warps == 1) {
    *max_out = __uint_as_float(b), *sum_out = s;
    return;
  }
  if (lane == 0) per_warp[0][threadIdx.x >> 5] = b, per_warp[1][threadIdx.x >> 5] = s;
  __syncthreads();
  *max_out = __uint_as_float(__reduce_max_sync(0xffffffffu, lane < warps ? per_warp[0][lane] : 0u));
  *sum_out = __reduce_add_sync(0xffffffffu, lane < warps ? per_warp[1][lane] : 0u);
}

}  // namespace octet::cuda
