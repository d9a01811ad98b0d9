// The CUDA backend against the CPU backend: per-channel and per-group weight quantization and dequantization must be
// bit-identical, for fp32/fp16/bf16 weights and every output dtype. Skipped (77) without a GPU.
#include <cstring>
#include <limits>

#include "harness.hpp"

using harness::Tensor;

namespace {

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

void run_case(oct_context_t cpu, oct_context_t gpu, oct_dtype_t wdtype, oct_dtype_t odtype,
              int64_t rows, int64_t cols, int64_t group, uint64_t seed) {
  const int64_t groups = group == 0 ? 1 : cols / group;
  const int64_t esize = wdtype == OCT_DTYPE_FP32 ? 4 : 2;
  // Random bit patterns of finite values in a moderate range, as the dtype's raw bytes.
  std::vector<float> f = harness::gaussian(static_cast<size_t>(rows * cols), seed);
  if (rows > 1) std::fill(f.begin() + cols, f.begin() + 2 * cols, 0.0f);
  if (rows > 2) f[2 * cols] = std::numeric_limits<float>::quiet_NaN();
  std::vector<uint8_t> raw(static_cast<size_t>(rows * cols * esize));
  for (size_t i = 0; i < f.size(); ++i) {
    if (esize == 4) {
      std::memcpy(&raw[i * 4], &f[i], 4);
    } else {
      uint32_t u;
      std::memcpy(&u, &f[i], 4);
      uint16_t h = static_cast<uint16_t>(u >> 16);  // a valid bf16; as fp16 just random bits
      if (wdtype == OCT_DTYPE_FP16) h = static_cast<uint16_t>((u >> 13) & 0x3bff);  // finite fp16
      if (std::isnan(f[i])) h = 0x7e00;
      std::memcpy(&raw[i * 2], &h, 2);
    }
  }
  std::vector<std::vector<uint8_t>> results[2];
  oct_context_t ctxs[2] = {cpu, gpu};
  for (int b = 0; b < 2; ++b) {
    Tensor w(ctxs[b], wdtype, {rows, cols}), q(ctxs[b], OCT_DTYPE_INT8, {rows, cols}),
        s(ctxs[b], OCT_DTYPE_FP32, {rows, groups}), d(ctxs[b], odtype, {rows, cols});
    w.upload(raw);
    q.poison();
    s.poison();
    d.poison();
    OCT(oct_quantize_weight(w.t, group, q.t, s.t, nullptr));
    OCT(oct_dequantize_weight(q.t, s.t, d.t, nullptr));
    results[b] = {q.download<uint8_t>(), s.download<uint8_t>(), d.download<uint8_t>()};
  }
  CHECK(same_bits(results[0][0], results[1][0]));
  CHECK(same_bits(results[0][1], results[1][1]));
  // Dequantized NaN rows may differ in NaN payload only; compare all other rows bitwise.
  const int64_t osize = odtype == OCT_DTYPE_FP32 ? 4 : 2;
  for (int64_t r = 0; r < rows; ++r) {
    if (rows > 2 && r == 2) continue;
    CHECK(std::memcmp(&results[0][2][r * cols * osize], &results[1][2][r * cols * osize],
                      cols * osize) == 0);
  }
}

}  // namespace

int main() {
  if (!harness::cuda_device_present("test_quantize_weight_cuda")) return harness::kSkipped;
  oct_context_t cpu = nullptr, gpu = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &cpu));
  OCT(oct_context_create(OCT_BACKEND_CUDA, 0, &gpu));
  const oct_dtype_t fl[3] = {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16};
  const int64_t shapes[][2] = {{1, 1}, {3, 5}, {4095, 11}, {64, 4096}, {11, 11008}};
  uint64_t seed = 100;
  for (auto wd : fl)
    for (auto od : fl)
      for (auto& sh : shapes)
        for (int64_t group : {int64_t(0), int64_t(64), int64_t(128)})
          if (group == 0 || sh[1] % group == 0) run_case(cpu, gpu, wd, od, sh[0], sh[1], group, ++seed);
  OCT(oct_context_destroy(gpu));
  OCT(oct_context_destroy(cpu));
  return harness::finish("test_quantize_weight_cuda");
}
