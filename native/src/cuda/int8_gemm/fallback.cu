// The portable int8 GEMM: a plain shared-memory tiled kernel on dp4a (4 int8 products summed
// into int32 per instruction). Correct for any M, N, K and any alignment; used where the
// tensor-core kernels cannot run (misaligned shapes, no CUTLASS in the build, other GPUs).
// 64 x 64 outputs per block of 256 threads, 4 x 4 per thread, K in steps of 32 bytes.
#include <cuda_runtime.h>

#include <cstdint>

#include "common/objects.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/types.cuh"
#include "cuda/int8_gemm/gemm_s8.hpp"

namespace octet::cuda::int8_gemm {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 32;  // kBK in bytes of K
constexpr int kWords = kBK / 4;              // int32 words of 4 consecutive k per row and step
constexpr int kThreads = 256;                // 16 x 16, each 4 x 4 outputs

// Loads word `kw` (k = k0 + 4 kw .. +3) of row `row` of a [rows, K] int8 matrix, zero-padded.
template <bool kVec4>
__device__ __forceinline__ int32_t load_word(const int8_t* __restrict__ x, int64_t rows, int64_t K,
                                             int64_t row, int64_t k) {
  if (row >= rows) return 0;
  const int8_t* p = x + row * K + k;
  if constexpr (kVec4) {  // K % 4 == 0 and 4-byte aligned base: whole words in or out
    return k < K ? __ldg(reinterpret_cast<const int32_t*>(p)) : 0;
  } else {
    uint32_t w = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i)
      if (k + i < K) w |= static_cast<uint32_t>(static_cast<uint8_t>(__ldg(p + i))) << (8 * i);
    return static_cast<int32_t>(w);
  }
}

template <oct_dtype_t D>
__device__ __forceinline__ void store_out(void* out, int64_t o, int64_t n, int32_t acc,
                                          const GemmS8Problem& p, float as) {
  if constexpr (D == OCT_DTYPE_INT32) {
    static_cast<int32_t*>(out)[o] = acc;
  } else {
    using E = Element<D>;
    using T = typename E::type;
    const float bias = p.bias ? E::load(static_cast<const T*>(p.bias)[n]) : 0.0f;
    const float bs = p.b_scale[p.b_per_col ? n : 0];
    const float y = p.c ? gemm_s8_epilogue_src(acc, as, bs, bias, E::load(static_cast<const T*>(p.c)[o]))
                        : gemm_s8_epilogue(acc, as, bs, bias);
    static_cast<T*>(out)[o] = E::store(y);
  }
}

template <oct_dtype_t D, bool kVec4>
__global__ void __launch_bounds__(kThreads) gemm_s8_tiled_kernel(const GemmS8Problem p) {
  __shared__ int32_t sa[kWords][kBM + 1];
  __shared__ int32_t sb[kWords][kBN + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int64_t m0 = int64_t(blockIdx.y) * kBM, n0 = int64_t(blockIdx.x) * kBN;
  int32_t acc[4][4] = {};
  for (int64_t k0 = 0; k0 < p.k; k0 += kBK) {
#pragma unroll
    for (int r = 0; r < (kBM * kWords) / kThreads; ++r) {
      const int w = threadIdx.x + r * kThreads;
      const int row = w / kWords, kw = w % kWords;
      sa[kw][row] = load_word<kVec4>(p.a, p.m, p.k, m0 + row, k0 + 4 * kw);
      sb[kw][row] = load_word<kVec4>(p.b, p.n, p.k, n0 + row, k0 + 4 * kw);
    }
    __syncthreads();
#pragma unroll
    for (int kw = 0; kw < kWords; ++kw) {
      int32_t av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) av[i] = sa[kw][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) bv[j] = sb[kw][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = __dp4a(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t m = m0 + ty + 16 * i;
    if (m >= p.m) continue;
    const float as = D == OCT_DTYPE_INT32 ? 0.0f : p.a_scale[p.a_per_row ? m : 0];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t n = n0 + tx + 16 * j;
      if (n < p.n) store_out<D>(p.out, m * p.n + n, n, acc[i][j], p, as);
    }
  }
}

template <oct_dtype_t D>
void launch(const GemmS8Problem& p, cudaStream_t stream) {
  const int64_t grid_n = (p.n + kBN - 1) / kBN, grid_m = (p.m + kBM - 1) / kBM;
  if (grid_m > 65535 || grid_n > 0x7fffffff)
    fail(OCT_STATUS_NOT_SUPPORTED,
         "oct_gemm_s8: M = %lld, N = %lld is too large for the portable kernel (M <= %d)",
         (long long)p.m, (long long)p.n, 65535 * kBM);
  const dim3 grid(static_cast<unsigned>(grid_n), static_cast<unsigned>(grid_m));
  const bool vec4 = p.k % 4 == 0 && is_aligned(p.a, 4) && is_aligned(p.b, 4);
  if (vec4)
    gemm_s8_tiled_kernel<D, true><<<grid, kThreads, 0, stream>>>(p);
  else
    gemm_s8_tiled_kernel<D, false><<<grid, kThreads, 0, stream>>>(p);
  OCT_CUDA_CHECK_LAUNCH("gemm_s8_tiled_kernel");
}

}  // namespace

void run_fallback(const GemmS8Problem& p, cudaStream_t stream) {
  switch (p.out_dtype) {
    case OCT_DTYPE_INT32: launch<OCT_DTYPE_INT32>(p, stream); return;
    case OCT_DTYPE_FP16: launch<OCT_DTYPE_FP16>(p, stream); return;
    case OCT_DTYPE_BF16: launch<OCT_DTYPE_BF16>(p, stream); return;
    default: fail(OCT_STATUS_INTERNAL, "gemm_s8: unexpected out dtype %d", int(p.out_dtype));
  }
}

}  // namespace octet::cuda::int8_gemm
