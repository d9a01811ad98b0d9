// Benchmark of oct_gemm_w8a16 on a GPU: time per call and effective bandwidth (int8 weight +
// scales + activations + output bytes over time) beside the device-to-device copy bandwidth
// measured in the same run. Each measurement replays a CUDA graph of 20 calls (which also shows
// that the launch path is capturable) cycling through enough weight copies to defeat the L2
// cache. cuBLAS fp16 baselines come from scripts/bench-w8a16-torch.py in the same session.
//   bench_w8a16 [group]   group: 0 = per channel (default), 64, 128
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/objects.hpp"
#include "octet/octet.h"

#define OK(call)                                                                              \
  do {                                                                                        \
    oct_status_t s_ = (call);                                                                 \
    if (s_ != OCT_STATUS_SUCCESS) {                                                           \
      std::fprintf(stderr, "%s: %s\n", #call, oct_last_error_message());                      \
      std::exit(1);                                                                           \
    }                                                                                         \
  } while (0)
#define CU(call)                                                                              \
  do {                                                                                        \
    cudaError_t e_ = (call);                                                                  \
    if (e_ != cudaSuccess) {                                                                  \
      std::fprintf(stderr, "%s: %s\n", #call, cudaGetErrorString(e_));                        \
      std::exit(1);                                                                           \
    }                                                                                         \
  } while (0)

namespace {

oct_tensor_t make(oct_context_t ctx, oct_dtype_t d, std::vector<int64_t> shape) {
  oct_tensor_t t = nullptr;
  OK(oct_tensor_create(ctx, d, static_cast<int32_t>(shape.size()), shape.data(), &t));
  CU(cudaMemset(t->data, 0x11, static_cast<size_t>(t->nbytes)));  // finite fp16/bf16, int8 17
  return t;
}

// Microseconds per call of `body(i)`, from a graph of kCalls calls replayed kReplays times.
template <typename F>
double time_us(cudaStream_t s, F body) {
  constexpr int kCalls = 20, kReplays = 10;
  for (int i = 0; i < 3; ++i) body(i);  // warm-up (and first-launch attribute setting)
  CU(cudaStreamSynchronize(s));
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CU(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < kCalls; ++i) body(i);
  CU(cudaStreamEndCapture(s, &graph));
  CU(cudaGraphInstantiate(&exec, graph, 0));
  CU(cudaGraphLaunch(exec, s));
  cudaEvent_t a, b;
  CU(cudaEventCreate(&a));
  CU(cudaEventCreate(&b));
  CU(cudaEventRecord(a, s));
  for (int r = 0; r < kReplays; ++r) CU(cudaGraphLaunch(exec, s));
  CU(cudaEventRecord(b, s));
  CU(cudaEventSynchronize(b));
  float ms = 0;
  CU(cudaEventElapsedTime(&ms, a, b));
  CU(cudaGraphExecDestroy(exec));
  CU(cudaGraphDestroy(graph));
  CU(cudaEventDestroy(a));
  CU(cudaEventDestroy(b));
  return 1000.0 * ms / (kCalls * kReplays);
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t group = argc > 1 ? std::atoll(argv[1]) : 0;
  oct_context_t ctx = nullptr;
  OK(oct_context_create(OCT_BACKEND_CUDA, 0, &ctx));
  oct_stream_t stream = nullptr;
  OK(oct_stream_create(ctx, &stream));
  cudaStream_t s = static_cast<cudaStream_t>(stream->handle);
  oct_device_info_t info;
  OK(oct_cuda_device_info(0, &info));

  // Device-to-device copy of 1 GiB: bytes read + written per second.
  {
    const size_t bytes = size_t(1) << 30;
    void *src, *dst;
    CU(cudaMalloc(&src, bytes));
    CU(cudaMalloc(&dst, bytes));
    const double us = time_us(s, [&](int) { CU(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s)); });
    std::printf("# %s, %d SMs; group %lld\n", info.name, info.multiprocessor_count, (long long)group);
    std::printf("copy_d2d 1GiB: %.1f us, %.0f GB/s\n", us, 2.0 * bytes / us / 1e3);
    CU(cudaFree(src));
    CU(cudaFree(dst));
  }
  std::printf("| N | K | M | us | GB/s (int8 W + scales + x + out) | TFLOP/s |\n|---|---|---|---|---|---|\n");
  const int64_t shapes[3][2] = {{4096, 4096}, {11008, 4096}, {4096, 11008}};
  const int64_t ms[] = {1, 2, 4, 8, 9, 12, 16, 17, 24, 32, 48, 64, 128, 256, 333, 512, 1024, 2048, 4096};
  for (auto& sh : shapes) {
    const int64_t n = sh[0], k = sh[1], g = group == 0 ? 1 : k / group;
    const int copies = static_cast<int>(std::max<int64_t>(2, (int64_t(256) << 20) / (n * k) + 1));
    std::vector<oct_tensor_t> q, sc;
    for (int c = 0; c < copies; ++c) {
      q.push_back(make(ctx, OCT_DTYPE_INT8, {n, k}));
      sc.push_back(group == 0 ? make(ctx, OCT_DTYPE_FP32, {n}) : make(ctx, OCT_DTYPE_FP32, {n, g}));
    }
    bool warm = false;  // the first timed kernel of a process measured ~1 us slow: warm up once
    for (int64_t m : ms) {
      oct_tensor_t x = make(ctx, OCT_DTYPE_FP16, {m, k}), out = make(ctx, OCT_DTYPE_FP16, {m, n});
      auto call = [&](int i) {
        OK(oct_gemm_w8a16(x, q[i % copies], sc[i % copies], nullptr, out, stream));
      };
      if (!warm) time_us(s, call), warm = true;
      const double us = time_us(s, call);
      const double bytes = double(n) * k + 4.0 * n * g + 2.0 * m * k + 2.0 * m * n;
      std::printf("| %lld | %lld | %lld | %.2f | %.0f | %.1f |\n", (long long)n, (long long)k,
                  (long long)m, us, bytes / us / 1e3, 2.0 * m * n * k / us / 1e6);
      std::fflush(stdout);
      OK(oct_tensor_destroy(x));
      OK(oct_tensor_destroy(out));
    }
    for (int c = 0; c < copies; ++c) {
      OK(oct_tensor_destroy(q[c]));
      OK(oct_tensor_destroy(sc[c]));
    }
  }
  OK(oct_stream_destroy(stream));
  OK(oct_context_destroy(ctx));
  return 0;
}
