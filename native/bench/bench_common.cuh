// Helpers of the native benchmark: error checks, device tensors through liboctet, random fills,
// dequantization and comparison kernels (for the one correctness check before timing), and the
// timer (warm-up, then the median of many CUDA-event timings on the benchmark's stream).
#pragma once

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <octet/octet.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

// A failure that ends one measurement (the run goes on with the next).
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A measurement that cannot run here (a symbol that is not in liboctet, a shape a kernel does
// not support): reported as skipped, not as a failure.
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string where(const char* file, int line) {
  return std::string(file) + ":" + std::to_string(line);
}

}  // namespace bench

#define CUDA_OK(expr)                                                                        \
  do {                                                                                       \
    cudaError_t e_ = (expr);                                                                 \
    if (e_ != cudaSuccess)                                                                   \
      throw ::bench::Error(std::string(#expr) + " failed: " + cudaGetErrorName(e_) + " (" + \
                           cudaGetErrorString(e_) + ") at " + ::bench::where(__FILE__, __LINE__)); \
  } while (0)

#define CUDA_LAUNCH_OK(name)                                                                   \
  do {                                                                                         \
    cudaError_t e_ = cudaGetLastError();                                                       \
    if (e_ != cudaSuccess)                                                                     \
      throw ::bench::Error(std::string("launch of ") + name + " failed: " + cudaGetErrorName(e_) + \
                           " at " + ::bench::where(__FILE__, __LINE__));                       \
  } while (0)

#define CUBLAS_OK(expr)                                                                       \
  do {                                                                                        \
    cublasStatus_t s_ = (expr);                                                               \
    if (s_ != CUBLAS_STATUS_SUCCESS)                                                          \
      throw ::bench::Error(std::string(#expr) + " failed: " + cublasGetStatusString(s_) +     \
                           " at " + ::bench::where(__FILE__, __LINE__));                      \
  } while (0)

// An Octet call: "not supported", "misaligned" and "arch mismatch" skip the measurement, any
// other failure ends it.
#define OCT_OK(expr)                                                                          \
  do {                                                                                        \
    oct_status_t s_ = (expr);                                                                 \
    if (s_ != OCT_STATUS_SUCCESS) {                                                           \
      std::string m_ = std::string(#expr) + ": " + oct_status_string(s_) + ": " +             \
                       oct_last_error_message();                                              \
      if (s_ == OCT_STATUS_NOT_SUPPORTED || s_ == OCT_STATUS_MISALIGNED ||                    \
          s_ == OCT_STATUS_ARCH_MISMATCH)                                                     \
        throw ::bench::Skip(m_);                                                              \
      throw ::bench::Error(m_ + " at " + ::bench::where(__FILE__, __LINE__));                 \
    }                                                                                         \
  } while (0)

namespace bench {

// ---------------------------------------------------------------- device tensors

// An Octet device tensor (owned); `ptr` is its device memory, for cuBLAS and the helper kernels.
class Tensor {
 public:
  Tensor() = default;
  Tensor(oct_context_t ctx, oct_dtype_t dtype, std::vector<int64_t> shape) {
    OCT_OK(oct_tensor_create(ctx, dtype, static_cast<int32_t>(shape.size()), shape.data(), &t_));
    oct_tensor_desc_t d;
    OCT_OK(oct_tensor_describe(t_, &d));
    ptr_ = d.data;
    numel_ = d.numel;
    nbytes_ = d.nbytes;
  }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  Tensor(Tensor&& o) noexcept { *this = std::move(o); }
  Tensor& operator=(Tensor&& o) noexcept {
    std::swap(t_, o.t_);
    std::swap(ptr_, o.ptr_);
    std::swap(numel_, o.numel_);
    std::swap(nbytes_, o.nbytes_);
    return *this;
  }
  ~Tensor() { oct_tensor_destroy(t_); }

  oct_tensor_t t() const { return t_; }
  template <typename T = void>
  T* ptr() const { return static_cast<T*>(ptr_); }
  int64_t numel() const { return numel_; }
  int64_t nbytes() const { return nbytes_; }
  explicit operator bool() const { return t_ != nullptr; }

 private:
  oct_tensor_t t_ = nullptr;
  void* ptr_ = nullptr;
  int64_t numel_ = 0;
  int64_t nbytes_ = 0;
};

// ---------------------------------------------------------------- kernels

__device__ inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
// Uniform in [0, 1).
__device__ inline float uniform01(uint64_t seed, uint64_t i) {
  return static_cast<float>(splitmix64(seed * 0x100000001b3ull ^ i) >> 40) * (1.0f / 16777216.0f);
}

__global__ void fill_half_kernel(__half* p, int64_t n, uint64_t seed, float lo, float hi) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    p[i] = __float2half_rn(lo + (hi - lo) * uniform01(seed, i));
}
__global__ void fill_float_kernel(float* p, int64_t n, uint64_t seed, float lo, float hi) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    p[i] = lo + (hi - lo) * uniform01(seed, i);
}
// Uniform over [-127, 127].
__global__ void fill_int8_kernel(int8_t* p, int64_t n, uint64_t seed) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    p[i] = static_cast<int8_t>(static_cast<int>(uniform01(seed, i) * 255.0f) - 127);
}

// out[r,c] = q[r,c] * scale[r * scale_row_stride + c / group]  (scale NULL: 1), as To.
template <typename To>
__global__ void dequant_kernel(const int8_t* q, int64_t rows, int64_t cols, const float* scale,
                               int64_t scale_row_stride, int64_t group, To* out) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = i / cols, c = i % cols;
    const float s = scale ? scale[r * scale_row_stride + c / group] : 1.0f;
    const float v = static_cast<float>(q[i]) * s;
    if constexpr (sizeof(To) == 2)
      out[i] = __float2half_rn(v);
    else
      out[i] = v;
  }
}

__device__ inline float as_float(__half v) { return __half2float(v); }
__device__ inline float as_float(int32_t v) { return static_cast<float>(v); }
__device__ inline float as_float(float v) { return v; }

// acc[0] += sum (out - ref)^2, acc[1] += sum ref^2, acc[2] += count of non-finite out.
template <typename T>
__global__ void compare_kernel(const T* out, const float* ref, int64_t n, double* acc) {
  double d2 = 0, r2 = 0, bad = 0;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    const float o = as_float(out[i]);
    const double r = ref[i];
    if (!isfinite(o)) {
      bad += 1;
      continue;
    }
    d2 += (o - r) * (o - r);
    r2 += r * r;
  }
  for (int off = 16; off > 0; off >>= 1) {
    d2 += __shfl_down_sync(0xffffffffu, d2, off);
    r2 += __shfl_down_sync(0xffffffffu, r2, off);
    bad += __shfl_down_sync(0xffffffffu, bad, off);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&acc[0], d2);
    atomicAdd(&acc[1], r2);
    atomicAdd(&acc[2], bad);
  }
}

// Busy-waits `ns` nanoseconds of the GPU's global timer: holds the stream while the host
// enqueues a whole batch, so that the timed kernels run back to back (as nvbench does).
__global__ void spin_kernel(uint64_t ns) {
  uint64_t t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  } while (t - t0 < ns);
}

constexpr int kThreads = 256;
inline int grid_for(int64_t n) {
  return static_cast<int>(std::min<int64_t>((n + kThreads - 1) / kThreads, 65535 * 8));
}

inline void fill_half(__half* p, int64_t n, uint64_t seed, cudaStream_t s, float lo = -1.f,
                      float hi = 1.f) {
  fill_half_kernel<<<grid_for(n), kThreads, 0, s>>>(p, n, seed, lo, hi);
  CUDA_LAUNCH_OK("fill_half_kernel");
}
inline void fill_float(float* p, int64_t n, uint64_t seed, cudaStream_t s, float lo, float hi) {
  fill_float_kernel<<<grid_for(n), kThreads, 0, s>>>(p, n, seed, lo, hi);
  CUDA_LAUNCH_OK("fill_float_kernel");
}
inline void fill_int8(int8_t* p, int64_t n, uint64_t seed, cudaStream_t s) {
  fill_int8_kernel<<<grid_for(n), kThreads, 0, s>>>(p, n, seed);
  CUDA_LAUNCH_OK("fill_int8_kernel");
}
template <typename To>
void dequant(const int8_t* q, int64_t rows, int64_t cols, const float* scale,
             int64_t scale_row_stride, int64_t group, To* out, cudaStream_t s) {
  dequant_kernel<To><<<grid_for(rows * cols), kThreads, 0, s>>>(q, rows, cols, scale,
                                                                 scale_row_stride, group, out);
  CUDA_LAUNCH_OK("dequant_kernel");
}

// Norm-wise relative error ||out - ref|| / ||ref|| and the count of non-finite outputs.
struct Agreement {
  double rel_err = 0;
  int64_t non_finite = 0;
};
template <typename T>
Agreement compare(const T* out, const float* ref, int64_t n, cudaStream_t s) {
  double* acc = nullptr;
  CUDA_OK(cudaMalloc(&acc, 3 * sizeof(double)));
  CUDA_OK(cudaMemsetAsync(acc, 0, 3 * sizeof(double), s));
  compare_kernel<T><<<std::min(grid_for(n), 4096), kThreads, 0, s>>>(out, ref, n, acc);
  CUDA_LAUNCH_OK("compare_kernel");
  double h[3];
  cudaError_t err = cudaMemcpyAsync(h, acc, sizeof h, cudaMemcpyDeviceToHost, s);
  if (err == cudaSuccess) err = cudaStreamSynchronize(s);
  cudaFree(acc);
  CUDA_OK(err);
  Agreement a;
  a.rel_err = h[1] > 0 ? std::sqrt(h[0] / h[1]) : (h[0] > 0 ? INFINITY : 0.0);
  a.non_finite = static_cast<int64_t>(h[2]);
  return a;
}

// ---------------------------------------------------------------- timing

struct TimingConfig {
  double budget_ms = 60;      // timed GPU time per measurement (beyond warm-up)
  int min_samples = 10;
  int max_samples = 100;
  double batch_us = 100;      // launches per sample: enough to fill about this much GPU time
  int max_batch = 64;
  double enqueue_us = 15;     // host time allowed per launch while the spin kernel holds the stream
};

struct Timing {
  double median_us = 0;  // per launch
  double min_us = 0;
  int samples = 0;
  int batch = 0;
};

// Times launch(i) (which enqueues iteration i on `stream`, rotating its operands by i): a
// warm-up, a pilot to size the batches, then `samples` batches, each behind a spin kernel and
// between two CUDA events on `stream`; the result is the median over batches of the time per
// launch. A batch whose enqueueing outlasted the spin (so the GPU may have idled inside the
// timed region) is discarded and the spin lengthened.
inline Timing measure(cudaStream_t stream, const std::function<void(int64_t)>& launch,
                      const TimingConfig& cfg) {
  int64_t it = 0;
  for (int i = 0; i < 3; ++i) launch(it++);
  CUDA_OK(cudaStreamSynchronize(stream));
  cudaEvent_t e0, e1;
  CUDA_OK(cudaEventCreate(&e0));
  CUDA_OK(cudaEventCreate(&e1));
  std::vector<cudaEvent_t> ev;
  auto cleanup = [&] {
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    for (cudaEvent_t e : ev) cudaEventDestroy(e);
  };
  try {
    CUDA_OK(cudaEventRecord(e0, stream));
    for (int i = 0; i < 3; ++i) launch(it++);
    CUDA_OK(cudaEventRecord(e1, stream));
    CUDA_OK(cudaEventSynchronize(e1));
    float pilot_ms = 0;
    CUDA_OK(cudaEventElapsedTime(&pilot_ms, e0, e1));
    const double est_us = std::max(1e3 * pilot_ms / 3, 0.5);
    const int batch = static_cast<int>(
        std::clamp(std::ceil(cfg.batch_us / est_us), 1.0, static_cast<double>(cfg.max_batch)));
    const int samples = static_cast<int>(std::clamp(std::ceil(1e3 * cfg.budget_ms / (batch * est_us)),
                                                    static_cast<double>(cfg.min_samples),
                                                    static_cast<double>(cfg.max_samples)));
    ev.resize(2 * samples);
    for (cudaEvent_t& e : ev) CUDA_OK(cudaEventCreate(&e));
    std::vector<bool> valid(samples, true);
    double enqueue_us = cfg.enqueue_us;
    for (int s = 0; s < samples; ++s) {
      // One batch in flight at a time: the launch queue never fills (a full queue would block
      // the host inside a batch and spoil the sample); the GPU idles here, outside the events.
      if (s > 0) CUDA_OK(cudaEventSynchronize(ev[2 * s - 1]));
      const double spin_us = 20 + batch * enqueue_us;
      spin_kernel<<<1, 1, 0, stream>>>(static_cast<uint64_t>(spin_us * 1e3));
      CUDA_LAUNCH_OK("spin_kernel");
      const auto h0 = std::chrono::steady_clock::now();
      CUDA_OK(cudaEventRecord(ev[2 * s], stream));
      for (int b = 0; b < batch; ++b) launch(it++);
      CUDA_OK(cudaEventRecord(ev[2 * s + 1], stream));
      const double host_us =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - h0).count();
      if (host_us > spin_us - 10) {  // the GPU may have caught up with the host: not a clean sample
        valid[s] = false;
        enqueue_us = std::max(enqueue_us * 2, 1.5 * host_us / batch);
      }
    }
    CUDA_OK(cudaStreamSynchronize(stream));
    std::vector<double> per_launch;
    for (int s = 0; s < samples; ++s) {
      if (!valid[s]) continue;
      float ms = 0;
      CUDA_OK(cudaEventElapsedTime(&ms, ev[2 * s], ev[2 * s + 1]));
      per_launch.push_back(1e3 * ms / batch);
    }
    if (per_launch.size() < static_cast<size_t>(std::max(3, samples / 2)))
      throw Error("too few clean samples (" + std::to_string(per_launch.size()) + " of " +
                  std::to_string(samples) + "): the host could not keep ahead of the GPU");
    std::sort(per_launch.begin(), per_launch.end());
    Timing t;
    const size_t n = per_launch.size();
    t.median_us = n % 2 ? per_launch[n / 2] : 0.5 * (per_launch[n / 2 - 1] + per_launch[n / 2]);
    t.min_us = per_launch.front();
    t.samples = static_cast<int>(n);
    t.batch = batch;
    cleanup();
    return t;
  } catch (...) {
    cleanup();
    throw;
  }
}

}  // namespace bench
