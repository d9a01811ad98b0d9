// Symmetric INT8 weight quantization (per channel or per group) and dequantization on the GPU.
// An offline step: one warp per (row, group) segment, two passes over the segment (the second
// hits L1/L2); results bit-identical to the CPU backend (common/numerics.hpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <type_traits>

#include "backends.hpp"
#include "common/numerics.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/quantize.cuh"
#include "cuda/common/reduce.cuh"
#include "cuda/common/types.cuh"

namespace octet::cuda {
namespace {

constexpr int kWarpsPerBlock = 8;

template <oct_dtype_t D>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
quantize_weight_kernel(const typename Element<D>::type* __restrict__ w, int8_t* __restrict__ q,
                       float* __restrict__ scales, int64_t segments, int64_t group) {
  const int64_t seg = blockIdx.x * int64_t(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (seg >= segments) return;
  const int lane = threadIdx.x & 31;
  const auto* ws = w + seg * group;  // segments are contiguous: row-major [N, G, group]
  int8_t* qs = q + seg * group;

  // Segment maximum of |x|, where a non-finite x counts as +Inf (a finite absmax never is).
  AbsMax acc;
  for (int64_t c = lane; c < group; c += 32) acc.add(Element<D>::load(ws[c]));
  const float m = warp_max(acc.result());
  const bool finite = !isinf(m);
  const float scale = finite ? scale_from_absmax(m) : NAN;
  if (lane == 0) scales[seg] = scale;
  const Int8Quantizer quantize(scale);
  for (int64_t c = lane; c < group; c += 32)
    qs[c] = finite ? static_cast<int8_t>(quantize(Element<D>::load(ws[c]))) : int8_t(0);
}

template <oct_dtype_t D>
__global__ void dequantize_weight_kernel(const int8_t* __restrict__ q,
                                         const float* __restrict__ scales,
                                         typename Element<D>::type* __restrict__ out, int64_t n,
                                         int64_t group) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = Element<D>::store(static_cast<float>(q[i]) * scales[i / group]);
  }
}

}  // namespace

void quantize_weight(const oct_tensor& weight, int64_t group, oct_tensor& q, oct_tensor& scales,
                     void* stream) {
  OCT_CUDA_USE_DEVICE(*weight.context);
  const int64_t segments = weight.numel / group;
  const int64_t blocks = (segments + kWarpsPerBlock - 1) / kWarpsPerBlock;
  if (blocks > 0x7fffffff)
    fail(OCT_STATUS_NOT_SUPPORTED, "weight has %lld quantization groups; too many",
         (long long)segments);
  dispatch_float_dtype(weight.dtype, [&](auto d) {
    constexpr oct_dtype_t D = decltype(d)::value;
    quantize_weight_kernel<D><<<static_cast<unsigned>(blocks), kWarpsPerBlock * 32, 0,
                                static_cast<cudaStream_t>(stream)>>>(
        static_cast<const typename Element<D>::type*>(weight.data), static_cast<int8_t*>(q.data),
        static_cast<float*>(scales.data), segments, group);
  });
  OCT_CUDA_CHECK_LAUNCH("quantize_weight_kernel");
}

void dequantize_weight(const oct_tensor& q, const oct_tensor& scales, int64_t group,
                       oct_tensor& out, void* stream) {
  OCT_CUDA_USE_DEVICE(*q.context);
  const int64_t n = q.numel;
  const int64_t blocks = std::min<int64_t>((n + 255) / 256, int64_t(1) << 20);
  dispatch_float_dtype(out.dtype, [&](auto d) {
    constexpr oct_dtype_t D = decltype(d)::value;
    dequantize_weight_kernel<D><<<static_cast<unsigned>(blocks), 256, 0,
                                  static_cast<cudaStream_t>(stream)>>>(
        static_cast<const int8_t*>(q.data), static_cast<const float*>(scales.data),
        static_cast<typename Element<D>::type*>(out.data), n, group);
  });
  OCT_CUDA_CHECK_LAUNCH("dequantize_weight_kernel");
}

}  // namespace octet::cuda
