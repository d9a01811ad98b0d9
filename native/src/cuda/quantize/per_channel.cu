// Per-channel (per output row) INT8 weight quantization and dequantization on the GPU.
// Weight quantization is an offline step: one block per row, two passes over the row (the
// second hits L1/L2), results bit-identical to the CPU backend (common/numerics.hpp).
#include <cuda_runtime.h>

#include <type_traits>

#include "backends.hpp"
#include "common/numerics.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/types.cuh"

namespace octet::cuda {
namespace {

constexpr int kThreads = 256;

// Row maximum of |x|, where a non-finite x counts as +Inf (a finite absmax is never Inf).
template <oct_dtype_t D>
__global__ void __launch_bounds__(kThreads)
quantize_per_channel_kernel(const typename Element<D>::type* __restrict__ w,
                            int8_t* __restrict__ q, float* __restrict__ scales, int64_t cols) {
  const int64_t row = blockIdx.x;
  const auto* wr = w + row * cols;
  int8_t* qr = q + row * cols;

  float m = 0.0f;
  for (int64_t c = threadIdx.x; c < cols; c += kThreads) {
    float v = Element<D>::load(wr[c]);
    m = fmaxf(m, isfinite(v) ? fabsf(v) : INFINITY);
  }
  for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
  __shared__ float warp_max[kThreads / 32];
  __shared__ float row_scale;
  if ((threadIdx.x & 31) == 0) warp_max[threadIdx.x >> 5] = m;
  __syncthreads();
  if (threadIdx.x == 0) {
    float r = warp_max[0];
    for (int i = 1; i < kThreads / 32; ++i) r = fmaxf(r, warp_max[i]);
    row_scale = isinf(r) ? NAN : scale_from_absmax(r);
    scales[row] = row_scale;
  }
  __syncthreads();
  const float scale = row_scale;
  if (isnan(scale)) {
    for (int64_t c = threadIdx.x; c < cols; c += kThreads) qr[c] = 0;
    return;
  }
  for (int64_t c = threadIdx.x; c < cols; c += kThreads)
    qr[c] = quantize_value(Element<D>::load(wr[c]), scale);
}

template <oct_dtype_t D>
__global__ void dequantize_per_channel_kernel(const int8_t* __restrict__ q,
                                              const float* __restrict__ scales,
                                              typename Element<D>::type* __restrict__ out,
                                              int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = Element<D>::store(static_cast<float>(q[i]) * scales[i / cols]);
  }
}

}  // namespace

void quantize_per_channel(const oct_tensor& weight, oct_tensor& q, oct_tensor& scales,
                          void* stream) {
  OCT_CUDA_USE_DEVICE(*weight.context);
  const int64_t rows = weight.shape[0], cols = weight.shape[1];
  if (rows > 0x7fffffff) fail(OCT_STATUS_NOT_SUPPORTED, "weight has %lld rows; at most 2^31-1", (long long)rows);
  dispatch_float_dtype(weight.dtype, [&](auto d) {
    constexpr oct_dtype_t D = decltype(d)::value;
    quantize_per_channel_kernel<D><<<static_cast<unsigned>(rows), kThreads, 0,
                                     static_cast<cudaStream_t>(stream)>>>(
        static_cast<const typename Element<D>::type*>(weight.data), static_cast<int8_t*>(q.data),
        static_cast<float*>(scales.data), cols);
  });
  OCT_CUDA_CHECK_LAUNCH("quantize_per_channel_kernel");
}

void dequantize_per_channel(const oct_tensor& q, const oct_tensor& scales, oct_tensor& out,
                            void* stream) {
  OCT_CUDA_USE_DEVICE(*q.context);
  const int64_t rows = q.shape[0], cols = q.shape[1];
  const int64_t n = rows * cols;
  const int64_t blocks = std::min<int64_t>((n + 255) / 256, int64_t(1) << 20);
  dispatch_float_dtype(out.dtype, [&](auto d) {
    constexpr oct_dtype_t D = decltype(d)::value;
    dequantize_per_channel_kernel<D><<<static_cast<unsigned>(blocks), 256, 0,
                                       static_cast<cudaStream_t>(stream)>>>(
        static_cast<const int8_t*>(q.data), static_cast<const float*>(scales.data),
        static_cast<typename Element<D>::type*>(out.data), rows, cols);
  });
  OCT_CUDA_CHECK_LAUNCH("dequantize_per_channel_kernel");
}

}  // namespace octet::cuda
