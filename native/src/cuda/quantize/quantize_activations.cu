// INT8 activation quantization on the GPU: dynamic per token (one block per row, held in
// registers up to 16K columns so that x is read once with every load in flight; longer rows are
// read twice, the second read hitting L1), dynamic per tensor (a grid-wide maximum, then an elementwise
// pass), static per tensor (elementwise). 16-byte loads where the row length allows. Results
// are bit-identical to the CPU backend (common/numerics.hpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <type_traits>

#include "backends.hpp"
#include "common/numerics.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/pdl.cuh"
#include "cuda/common/reduce.cuh"
#include "cuda/common/types.cuh"

namespace octet::cuda {
namespace {

constexpr int kRowThreads = 256;
constexpr int kVec = 8;  // 8 x 16-bit = 16 bytes

template <oct_dtype_t D>
struct Vec8 {
  using T = typename Element<D>::type;
  // Loads 8 elements (16 bytes; `p` 16-byte aligned) as floats, times smooth[0..7] if given.
  static __device__ __forceinline__ void load(const T* p, const float* smooth, float (&v)[kVec]) {
    uint4 raw = *reinterpret_cast<const uint4*>(p);
    const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int j = 0; j < kVec; ++j) v[j] = Element<D>::load(e[j]) * (smooth ? smooth[j] : 1.0f);
  }
};

// Quantizes 8 values of a row with `scale` (zeros when the row is non-finite) into q (8-aligned).
__device__ __forceinline__ void store8(int8_t* q, const float (&v)[kVec], bool finite, float scale) {
  alignas(8) int8_t out[kVec];
#pragma unroll
  for (int j = 0; j < kVec; ++j) out[j] = finite ? quantize_value(v[j], scale) : int8_t(0);
  *reinterpret_cast<int2*>(q) = *reinterpret_cast<const int2*>(out);
}

// One block per row. kIters > 0 (16-byte loads): the row has at most kIters * 8 * blockDim.x
// columns and stays in registers, every load in flight at once, x read once. kIters == 0: any
// row, read twice (the second read hits L1), 16-byte loads when kVectorized.
template <oct_dtype_t D, bool kVectorized, int kIters>
__global__ void __launch_bounds__(kRowThreads)
per_token_kernel(const typename Element<D>::type* __restrict__ x, const float* __restrict__ smooth,
                 int8_t* __restrict__ q, float* __restrict__ scales, int64_t cols) {
  allow_dependent_launch();  // the GEMM that reads q and scales may start its prologue
  const int64_t row = blockIdx.x;
  const auto* xr = x + row * cols;
  int8_t* qr = q + row * cols;
  const int64_t stride = int64_t(blockDim.x) * kVec, c0 = int64_t(threadIdx.x) * kVec;
  float m = 0.0f;
  if constexpr (kIters > 0) {
    static_assert(kVectorized, "the register-resident row needs 16-byte loads");
    float v[kIters][kVec];
#pragma unroll
    for (int it = 0; it < kIters; ++it) {
      const int64_t c = c0 + it * stride;
      if (c < cols) {
        Vec8<D>::load(xr + c, smooth ? smooth + c : nullptr, v[it]);
      } else {
#pragma unroll
        for (int j = 0; j < kVec; ++j) v[it][j] = 0.0f;
      }
    }
#pragma unroll
    for (int it = 0; it < kIters; ++it)
#pragma unroll
      for (int j = 0; j < kVec; ++j) m = fmaxf(m, abs_or_inf(v[it][j]));
    m = block_max(m);
    const bool finite = !isinf(m);
    const float scale = finite ? scale_from_absmax(m) : NAN;
    if (threadIdx.x == 0) scales[row] = scale;
#pragma unroll
    for (int it = 0; it < kIters; ++it) {
      const int64_t c = c0 + it * stride;
      if (c < cols) store8(qr + c, v[it], finite, scale);
    }
    return;
  }
  if constexpr (kVectorized) {
    for (int64_t c = c0; c < cols; c += stride) {
      float v[kVec];
      Vec8<D>::load(xr + c, smooth ? smooth + c : nullptr, v);
#pragma unroll
      for (int j = 0; j < kVec; ++j) m = fmaxf(m, abs_or_inf(v[j]));
    }
  } else {
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
      m = fmaxf(m, abs_or_inf(Element<D>::load(xr[c]) * (smooth ? smooth[c] : 1.0f)));
  }
  m = block_max(m);
  const bool finite = !isinf(m);
  const float scale = finite ? scale_from_absmax(m) : NAN;
  if (threadIdx.x == 0) scales[row] = scale;
  if constexpr (kVectorized) {
    for (int64_t c = c0; c < cols; c += stride) {
      float v[kVec];
      Vec8<D>::load(xr + c, smooth ? smooth + c : nullptr, v);
      store8(qr + c, v, finite, scale);
    }
  } else {
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      float v = Element<D>::load(xr[c]) * (smooth ? smooth[c] : 1.0f);
      qr[c] = finite ? quantize_value(v, scale) : int8_t(0);
    }
  }
}

// Grid-wide max |v| into *absmax_bits (a non-negative float's bits order like the float; +Inf
// stands for "non-finite seen"). *absmax_bits must be zero before the launch.
template <oct_dtype_t D>
__global__ void tensor_absmax_kernel(const typename Element<D>::type* __restrict__ x,
                                     const float* __restrict__ smooth, int64_t n, int64_t cols,
                                     unsigned* __restrict__ absmax_bits) {
  float m = 0.0f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    m = fmaxf(m, abs_or_inf(Element<D>::load(x[i]) * (smooth ? smooth[i % cols] : 1.0f)));
  m = block_max(m);
  if (threadIdx.x == 0) atomicMax(absmax_bits, __float_as_uint(m));
}

// Elementwise quantization with one scale: from the tensor's absmax (dynamic) or given (static).
template <oct_dtype_t D, bool kStatic>
__global__ void per_tensor_kernel(const typename Element<D>::type* __restrict__ x,
                                  const float* __restrict__ smooth, int8_t* __restrict__ q,
                                  const float* __restrict__ scale_or_absmax, int64_t n,
                                  int64_t cols) {
  const float s0 = *scale_or_absmax;
  const float scale = kStatic ? s0 : (isinf(s0) ? NAN : scale_from_absmax(s0));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float v = Element<D>::load(x[i]) * (smooth ? smooth[i % cols] : 1.0f);
    q[i] = (isnan(scale) || (kStatic && isnan(v))) ? int8_t(0) : quantize_value(v, scale);
  }
}

__global__ void finalize_scale_kernel(float* scale) {
  const float m = *scale;  // the absmax, until now
  *scale = isinf(m) ? NAN : scale_from_absmax(m);
}

int grid_for(int64_t n, int threads) {
  int64_t blocks = (n + threads - 1) / threads;
  return static_cast<int>(std::min<int64_t>(std::max<int64_t>(blocks, 1), 132 * 16));
}

}  // namespace

void quantize_activations(const oct_tensor& x, oct_act_scheme_t scheme, const float* smooth,
                          oct_tensor& xq, oct_tensor& scales, void* stream) {
  OCT_CUDA_USE_DEVICE(*x.context);
  auto s = static_cast<cudaStream_t>(stream);
  const int64_t rows = x.shape[0], cols = x.shape[1], n = x.numel;
  auto* q = static_cast<int8_t*>(xq.data);
  auto* sc = static_cast<float*>(scales.data);
  auto launch = [&](auto d) {
    constexpr oct_dtype_t D = decltype(d)::value;
    using T = typename Element<D>::type;
    const T* xp = static_cast<const T*>(x.data);
    switch (scheme) {
      case OCT_ACT_DYNAMIC_PER_TOKEN: {
        if (rows > 0x7fffffff) fail(OCT_STATUS_NOT_SUPPORTED, "x has %lld rows; at most 2^31-1", (long long)rows);
        const int threads = static_cast<int>(std::min<int64_t>(kRowThreads, std::max<int64_t>(32, (cols / kVec + 31) / 32 * 32)));
        const unsigned grid = static_cast<unsigned>(rows);
        const int64_t chunks = (cols + int64_t(threads) * kVec - 1) / (int64_t(threads) * kVec);
        if (cols % kVec != 0)
          per_token_kernel<D, false, 0><<<grid, threads, 0, s>>>(xp, smooth, q, sc, cols);
        else if (chunks <= 2)
          per_token_kernel<D, true, 2><<<grid, threads, 0, s>>>(xp, smooth, q, sc, cols);
        else if (chunks <= 4)
          per_token_kernel<D, true, 4><<<grid, threads, 0, s>>>(xp, smooth, q, sc, cols);
        else if (chunks <= 8)
          per_token_kernel<D, true, 8><<<grid, threads, 0, s>>>(xp, smooth, q, sc, cols);
        else
          per_token_kernel<D, true, 0><<<grid, threads, 0, s>>>(xp, smooth, q, sc, cols);
        OCT_CUDA_CHECK_LAUNCH("per_token_kernel");
        return;
      }
      case OCT_ACT_DYNAMIC_PER_TENSOR:
        OCT_CUDA_CHECK(cudaMemsetAsync(sc, 0, sizeof(float), s));
        tensor_absmax_kernel<D><<<grid_for(n, 256), 256, 0, s>>>(xp, smooth, n, cols, reinterpret_cast<unsigned*>(sc));
        OCT_CUDA_CHECK_LAUNCH("tensor_absmax_kernel");
        per_tensor_kernel<D, false><<<grid_for(n, 256), 256, 0, s>>>(xp, smooth, q, sc, n, cols);
        OCT_CUDA_CHECK_LAUNCH("per_tensor_kernel");
        finalize_scale_kernel<<<1, 1, 0, s>>>(sc);
        OCT_CUDA_CHECK_LAUNCH("finalize_scale_kernel");
        return;
      case OCT_ACT_STATIC_PER_TENSOR:
        per_tensor_kernel<D, true><<<grid_for(n, 256), 256, 0, s>>>(xp, smooth, q, sc, n, cols);
        OCT_CUDA_CHECK_LAUNCH("per_tensor_kernel");
        return;
    }
    fail(OCT_STATUS_INTERNAL, "unexpected activation scheme %d", static_cast<int>(scheme));
  };
  if (x.dtype == OCT_DTYPE_FP16)
    launch(std::integral_constant<oct_dtype_t, OCT_DTYPE_FP16>{});
  else
    launch(std::integral_constant<oct_dtype_t, OCT_DTYPE_BF16>{});
}

}  // namespace octet::cuda
