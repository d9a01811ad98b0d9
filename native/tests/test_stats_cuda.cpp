// The CUDA backend's tensor statistics against the CPU backend: absmax and min/max (whole
// tensor, rows, columns) and histograms must be bit-identical (integer counts exactly equal), for
// fp32 / fp16 / bf16 inputs of many shapes, including NaN, +-Inf and signed zeros, and inputs
// large enough to spread over many blocks. Outputs are poisoned before each run; every call is
// made on a non-default stream. Skipped (77) without a GPU.
#include <cstring>
#include <limits>

#include "harness.hpp"

using harness::Tensor;

namespace {

std::vector<uint8_t> raw_values(oct_dtype_t dtype, size_t n, uint64_t seed, bool specials) {
  std::vector<float> f = harness::gaussian(n, seed, 5.0f);
  if (specials && n > 8) {
    f[n / 2] = std::numeric_limits<float>::quiet_NaN();
    f[1] = std::numeric_limits<float>::infinity();
    f[n - 2] = -std::numeric_limits<float>::infinity();
    f[3] = -0.0f;
    f[4] = 0.0f;
  }
  const size_t esize = dtype == OCT_DTYPE_FP32 ? 4 : 2;
  std::vector<uint8_t> raw(n * esize);
  for (size_t i = 0; i < n; ++i) {
    if (esize == 4) {
      std::memcpy(&raw[i * 4], &f[i], 4);
    } else {
      uint32_t u;
      std::memcpy(&u, &f[i], 4);
      // bf16: the float's upper half; fp16: a finite pattern from the float's bits (normals and
      // subnormals of either sign), with NaN and Inf kept as such.
      uint16_t h = dtype == OCT_DTYPE_BF16 ? static_cast<uint16_t>(u >> 16)
                                           : static_cast<uint16_t>(((u >> 13) & 0x3bff) | ((u >> 16) & 0x8000));
      if (dtype == OCT_DTYPE_FP16 && std::isnan(f[i])) h = 0x7e00;
      if (dtype == OCT_DTYPE_FP16 && std::isinf(f[i])) h = static_cast<uint16_t>(0x7c00 | ((u >> 16) & 0x8000));
      std::memcpy(&raw[i * 2], &h, 2);
    }
  }
  return raw;
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// NaN results may differ in payload only.
bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      if (!(std::isnan(a[i]) && std::isnan(b[i]))) return false;
    } else if (std::memcmp(&a[i], &b[i], 4) != 0) {
      return false;
    }
  }
  return true;
}

void run_case(oct_context_t cpu, oct_context_t gpu, oct_stream_t stream, oct_dtype_t dtype,
              std::vector<int64_t> shape, uint64_t seed, bool specials) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const int64_t cols = shape.back(), rows = n / cols;
  std::vector<uint8_t> raw = raw_values(dtype, static_cast<size_t>(n), seed, specials);
  oct_context_t ctxs[2] = {cpu, gpu};
  std::vector<std::vector<float>> red[2];
  std::vector<std::vector<int32_t>> hist[2];
  struct Range { float lo, hi; int absolute; int64_t bins; };
  const Range ranges[] = {{0.0f, 32.0f, 1, 2048}, {-7.3f, 11.9f, 0, 1000}, {0.0f, 1.0f, 1, 8192},
                          {-1.0f, 1.0f, 0, 1}};
  for (int b = 0; b < 2; ++b) {
    oct_stream_t s = b == 1 ? stream : nullptr;
    Tensor x(ctxs[b], dtype, shape);
    x.upload(raw);
    for (oct_reduce_t r : {OCT_REDUCE_ALL, OCT_REDUCE_ROWS, OCT_REDUCE_COLUMNS}) {
      const int64_t m = r == OCT_REDUCE_ALL ? 1 : r == OCT_REDUCE_ROWS ? rows : cols;
      Tensor a(ctxs[b], OCT_DTYPE_FP32, {m}), mm(ctxs[b], OCT_DTYPE_FP32, {m, 2});
      a.poison();
      mm.poison();
      OCT(oct_tensor_absmax(x.t, r, a.t, s));
      OCT(oct_tensor_minmax(x.t, r, mm.t, s));
      if (s) OCT(oct_stream_synchronize(s));
      red[b].push_back(a.download<float>());
      red[b].push_back(mm.download<float>());
    }
    for (const Range& rg : ranges) {
      Tensor c(ctxs[b], OCT_DTYPE_INT32, {rg.bins});
      c.poison();
      OCT(oct_tensor_histogram(x.t, rg.lo, rg.hi, rg.absolute, c.t, s));
      if (s) OCT(oct_stream_synchronize(s));
      hist[b].push_back(c.download<int32_t>());
    }
  }
  for (size_t i = 0; i < red[0].size(); ++i) {
    if (!same_floats(red[0][i], red[1][i])) {
      std::fprintf(stderr, "reduction %zu differs: dtype %d, %lld x %lld, seed %llu\n", i,
                   static_cast<int>(dtype), (long long)rows, (long long)cols, (unsigned long long)seed);
      ++harness::failures;
    }
  }
  for (size_t i = 0; i < hist[0].size(); ++i) {
    if (!same_bits(hist[0][i], hist[1][i])) {
      std::fprintf(stderr, "histogram %zu differs: dtype %d, n %lld, seed %llu\n", i,
                   static_cast<int>(dtype), (long long)n, (unsigned long long)seed);
      ++harness::failures;
    }
  }
}

}  // namespace

int main() {
  if (!harness::cuda_device_present("test_stats_cuda")) return harness::kSkipped;
  oct_context_t cpu = nullptr, gpu = nullptr;
  oct_stream_t stream = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &cpu));
  OCT(oct_context_create(OCT_BACKEND_CUDA, 0, &gpu));
  OCT(oct_stream_create(gpu, &stream));
  const std::vector<std::vector<int64_t>> shapes = {
      {1}, {7}, {3, 5}, {1, 4097}, {4097, 1}, {128, 4096}, {4096, 16}, {2, 3, 1000},
      {33, 11008}, {1, 5000000}, {2000, 2000}};
  uint64_t seed = 1000;
  for (oct_dtype_t d : {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16})
    for (const auto& s : shapes)
      for (bool specials : {false, true}) run_case(cpu, gpu, stream, d, s, ++seed, specials);
  OCT(oct_stream_destroy(stream));
  OCT(oct_context_destroy(gpu));
  OCT(oct_context_destroy(cpu));
  return harness::finish("test_stats_cuda");
}
