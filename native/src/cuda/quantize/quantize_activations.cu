// INT8 activation quantization on the GPU: dynamic per token (x read once: rows up to 16384
// columns one block per row held in registers; longer rows, unaligned views and row lengths not
// a multiple of 8 one block per row, read twice, the second read hitting L1), dynamic per tensor
// (a grid-wide maximum, then an elementwise pass), static per tensor (elementwise). Results are
// bit-identical to the CPU backend (common/numerics.hpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <type_traits>

#include "common/objects.hpp"
#include "backends.hpp"
#include "common/numerics.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/common/pdl.cuh"
#include "cuda/common/quantize.cuh"
#include "cuda/common/reduce.cuh"
#include "cuda/common/row_shape.hpp"
#include "cuda/common/types.cuh"

namespace octet::cuda {
namespace {

constexpr int kRowThreads = 256;
constexpr int kVec = 8;  // 8 x 16-bit = 16 bytes

template <oct_dtype_t D>
struct Vec8 {
  using T = typename Element<D>::type;
  // 8 raw elements (16 bytes, `p` 16-byte aligned) as floats, times smooth[0..7] if given.
  static __device__ __forceinline__ void widen(const uint4& raw, const float* smooth,
                                               float (&v)[kVec]) {
    const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int j = 0; j < kVec; ++j) v[j] = Element<D>::load(e[j]) * (smooth ? smooth[j] : 1.0f);
  }
  static __device__ __forceinline__ void load(const T* p, const float* smooth, float (&v)[kVec]) {
    widen(*reinterpret_cast<const uint4*>(p), smooth, v);
  }
};

// Quantizes 8 values of a row (zeros when the row is non-finite) into q (8-aligned).
__device__ __forceinline__ void store8(int8_t* q, const float (&v)[kVec],
                                       const Int8Quantizer& quantize) {
  *reinterpret_cast<uint2*>(q) = quantize.finite() ? quantize.pack8(v, 0u) : make_uint2(0, 0);
}

// Quantizes a thread's chunks of a row held raw (chunk it at column c0 + it * kThreads * 8,
// none past cols), times smooth where given, into the row qr of q.
template <oct_dtype_t D, int kThreads, int kIters>
__device__ __forceinline__ void store_chunks(const uint4 (&raw)[kIters], const float* smooth,
                                             int64_t c0, int64_t cols, int8_t* qr,
                                             const Int8Quantizer& quantize) {
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int64_t c = c0 + it * int64_t(kThreads) * kVec;
    if (c < cols) {
      float v[kVec];
      Vec8<D>::widen(raw[it], smooth ? smooth + c : nullptr, v);
      store8(qr + c, v, quantize);
    }
  }
}

// Rows of at most kIters * 8 * kThreads columns (16-byte loads) held in registers, one row per
// block: x is read once. The launch shapes are chosen in quantize_activations below.
template <oct_dtype_t D, int kThreads, int kIters, bool kSmooth>
__global__ void __launch_bounds__(kThreads, 1024 / kThreads)
per_token_resident_kernel(const typename Element<D>::type* __restrict__ x,
                          const float* __restrict__ smooth, int8_t* __restrict__ q,
                          float* __restrict__ scales, int64_t cols) {
  allow_dependent_launch();  // the GEMM that reads q and scales may start its prologue
  constexpr int64_t kStride = int64_t(kThreads) * kVec;
  const int64_t c0 = int64_t(threadIdx.x) * kVec, row = blockIdx.x;
  const auto* xr = x + row * cols;
  uint4 raw[kIters];
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int64_t c = c0 + it * kStride;  // zero (+0.0 in fp16 and bf16) past the end
    raw[it] = c < cols ? *reinterpret_cast<const uint4*>(xr + c) : make_uint4(0, 0, 0, 0);
  }
  float m;  // the row's max |v| (+Inf: a NaN or Inf seen)
  if constexpr (kSmooth) {
    AbsMax acc;
#pragma unroll
    for (int it = 0; it < kIters; ++it) {
      const int64_t c = c0 + it * kStride;
      float v[kVec];
      Vec8<D>::widen(raw[it], c < cols ? smooth + c : nullptr, v);
#pragma unroll
      for (int j = 0; j < kVec; ++j) acc.add(v[j]);
    }
    m = acc.result();
  } else {  // on the raw 16-bit values, two per instruction
    uint32_t b = 0;
#pragma unroll
    for (int it = 0; it < kIters; ++it) b = max_abs_bits8(b, raw[it]);
    m = Bits16<D>::absmax(max(b & 0xffffu, b >> 16));
  }
  const Int8Quantizer quantize = quantizer_for(block_max(m), threadIdx.x == 0, scales + row);
  store_chunks<D, kThreads>(raw, kSmooth ? smooth : nullptr, c0, cols, q + row * cols, quantize);
}

// Any row length: one block per row, the row read twice (the second read hits L1); 16-byte
// loads when kVectorized (cols % 8 == 0).
template <oct_dtype_t D, bool kVectorized>
__global__ void __launch_bounds__(kRowThreads)
per_token_kernel(const typename Element<D>::type* __restrict__ x, const float* __restrict__ smooth,
                 int8_t* __restrict__ q, float* __restrict__ scales, int64_t cols) {
  allow_dependent_launch();  // the GEMM that reads q and scales may start its prologue
  const int64_t row = blockIdx.x;
  const auto* xr = x + row * cols;
  int8_t* qr = q + row * cols;
  const int64_t stride = int64_t(blockDim.x) * kVec, c0 = int64_t(threadIdx.x) * kVec;
  AbsMax acc;
  if constexpr (kVectorized) {
    for (int64_t c = c0; c < cols; c += stride) {
      float v[kVec];
      Vec8<D>::load(xr + c, smooth ? smooth + c : nullptr, v);
#pragma unroll
      for (int j = 0; j < kVec; ++j) acc.add(v[j]);
    }
  } else {
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
      acc.add(Element<D>::load(xr[c]) * (smooth ? smooth[c] : 1.0f));
  }
  const Int8Quantizer quantize = row_quantizer(acc, scales + row);
  if constexpr (kVectorized) {
    for (int64_t c = c0; c < cols; c += stride) {
      float v[kVec];
      Vec8<D>::load(xr + c, smooth ? smooth + c : nullptr, v);
      store8(qr + c, v, quantize);
    }
  } else {
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      float v = Element<D>::load(xr[c]) * (smooth ? smooth[c] : 1.0f);
      qr[c] = quantize.finite() ? static_cast<int8_t>(quantize(v)) : int8_t(0);
    }
  }
}

// Grid-wide max |v| into *absmax_bits (a non-negative float's bits order like the float; +Inf
// stands for "non-finite seen"). *absmax_bits must be zero before the launch.
template <oct_dtype_t D>
__global__ void tensor_absmax_kernel(const typename Element<D>::type* __restrict__ x,
                                     const float* __restrict__ smooth, int64_t n, int64_t cols,
                                     unsigned* __restrict__ absmax_bits) {
  AbsMax acc;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    acc.add(Element<D>::load(x[i]) * (smooth ? smooth[i % cols] : 1.0f));
  const float m = block_max(acc.result());
  if (threadIdx.x == 0) atomicMax(absmax_bits, __float_as_uint(m));
}

// Elementwise quantization with one scale: from the tensor's absmax (dynamic) or given (static).
template <oct_dtype_t D, bool kStatic>
__global__ void per_tensor_kernel(const typename Element<D>::type* __restrict__ x,
                                  const float* __restrict__ smooth, int8_t* __restrict__ q,
                                  const float* __restrict__ scale_or_absmax, int64_t n,
                                  int64_t cols) {
  const float s0 = *scale_or_absmax;
  const float scale = kStatic ? s0 : activation_scale(s0);
  const Int8Quantizer quantize(scale);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float v = Element<D>::load(x[i]) * (smooth ? smooth[i % cols] : 1.0f);
    q[i] = (isnan(scale) || (kStatic && isnan(v))) ? int8_t(0) : static_cast<int8_t>(quantize(v));
  }
}

__global__ void finalize_scale_kernel(float* scale) {
  const float m = *scale;  // the absmax, until now
  *scale = activation_scale(m);
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
        if (rows == 0) return;
        const auto grid = static_cast<unsigned>(rows);
        // 16-byte loads of x and 8-byte stores of q need the row length and both pointers
        // aligned (a view may start anywhere); otherwise one value per thread.
        const bool vectorized = cols % kVec == 0 && is_aligned(xp, 16) && is_aligned(q, 8);
        if (!vectorized) {
          const int threads = static_cast<int>(std::min<int64_t>(kRowThreads, std::max<int64_t>(32, (cols + 31) / 32 * 32)));
          per_token_kernel<D, false><<<grid, threads, 0, s>>>(xp, smooth, q, sc, cols);
        } else if (cols <= kResidentMaxCols) {
          // One row per block in registers (launch shapes: row_shape.hpp).
          auto shaped = [&](auto smoothed) {
            // (256 x 8 spills with the multiplier)
            with_resident_row_shape<decltype(smoothed)::value>(
                rows, cols, device_traits(x.context->device).sm_count, [&](auto threads, auto iters) {
              constexpr int kT = decltype(threads)::value, kI = decltype(iters)::value;
              per_token_resident_kernel<D, kT, kI, decltype(smoothed)::value><<<grid, kT, 0, s>>>(xp, smooth, q, sc, cols);
            });
          };
          if (smooth)
            shaped(std::true_type{});
          else
            shaped(std::false_type{});
        } else {
          per_token_kernel<D, true><<<grid, kRowThreads, 0, s>>>(xp, smooth, q, sc, cols);
        }
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
