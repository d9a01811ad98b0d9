// The CUDA int8 GEMM against the host: int32 results bit-exact, fp16/bf16 epilogue within the
// tolerance derived in gemm_s8_reference.hpp (against a float64 reference from the exact
// accumulators), on every kernel the dispatcher can pick on this GPU: the tensor-core configs of
// each M bucket (M sweep 1..127, bucket edges 64/65, 512/513, N below and above 8192, Llama-2-7B
// shapes) and the portable kernel (K % 16 != 0, N % 8 != 0). Every combination of fp16/bf16,
// bias on/off, per-token/per-tensor a_scale and per-channel/per-tensor b_scale is covered.
// Outputs are poisoned before each run; launches go to a stream of the test's own.
// Skipped (77) without a GPU.
//
// Exact accumulators come from the CPU backend (itself checked bit-exact against an int64
// reference by test_gemm_s8_cpu) when M*N*K <= 6e9, else from an int64 dot product here on a
// sample: whole first/last rows and columns plus 4096 random entries.
#include <algorithm>
#include <cstring>
#include <string>

#include "gemm_s8_reference.hpp"
#include "harness.hpp"

using harness::Tensor;

namespace {

oct_context_t g_cpu = nullptr, g_gpu = nullptr;
oct_stream_t g_stream = nullptr;
int g_cases = 0;

struct Operands {
  Tensor a, b, as, bs, bias;
  Operands(oct_context_t ctx, const gemm_ref::Inputs& in, oct_dtype_t out)
      : a(ctx, OCT_DTYPE_INT8, {in.m, in.k}), b(ctx, OCT_DTYPE_INT8, {in.n, in.k}),
        as(ctx, OCT_DTYPE_FP32, {int64_t(in.a_scale.size())}),
        bs(ctx, OCT_DTYPE_FP32, {int64_t(in.b_scale.size())}),
        bias(ctx, out == OCT_DTYPE_BF16 ? OCT_DTYPE_BF16 : OCT_DTYPE_FP16, {in.n}) {
    a.upload(in.a);
    b.upload(in.b);
    as.upload(in.a_scale);
    bs.upload(in.b_scale);
    if (!in.bias.empty()) bias.upload(in.bias);
  }
};

// The (m, n) entries whose exact accumulator is known, and those accumulators.
struct Truth {
  bool full = false;
  std::vector<int32_t> acc;                          // full: [m, n] from the CPU backend
  std::vector<std::pair<int64_t, int64_t>> entries;  // sampled
  std::vector<int64_t> sampled;
};

Truth exact_accumulators(const gemm_ref::Inputs& in, uint64_t seed) {
  Truth t;
  if (double(in.m) * double(in.n) * double(in.k) <= 6e9) {
    Tensor a(g_cpu, OCT_DTYPE_INT8, {in.m, in.k}), b(g_cpu, OCT_DTYPE_INT8, {in.n, in.k});
    Tensor o(g_cpu, OCT_DTYPE_INT32, {in.m, in.n});
    a.upload(in.a);
    b.upload(in.b);
    OCT(oct_gemm_s8(a.t, b.t, nullptr, nullptr, nullptr, o.t, nullptr));
    t.full = true;
    t.acc = o.download<int32_t>();
    return t;
  }
  std::mt19937_64 rng(seed);
  for (int64_t n = 0; n < in.n; ++n) t.entries.push_back({0, n}), t.entries.push_back({in.m - 1, n});
  for (int64_t m = 0; m < in.m; ++m) t.entries.push_back({m, 0}), t.entries.push_back({m, in.n - 1});
  for (int i = 0; i < 4096; ++i)
    t.entries.push_back({int64_t(rng() % uint64_t(in.m)), int64_t(rng() % uint64_t(in.n))});
  for (auto& e : t.entries) t.sampled.push_back(gemm_ref::dot(in, e.first, e.second));
  return t;
}

template <typename F>
void for_each_known(const gemm_ref::Inputs& in, const Truth& t, F&& f) {
  if (t.full) {
    for (int64_t m = 0; m < in.m; ++m)
      for (int64_t n = 0; n < in.n; ++n) f(m, n, int64_t(t.acc[m * in.n + n]));
  } else {
    for (size_t i = 0; i < t.entries.size(); ++i)
      f(t.entries[i].first, t.entries[i].second, t.sampled[i]);
  }
}

std::string describe(const gemm_ref::Inputs& in, const char* what) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s M=%lld N=%lld K=%lld a_scale[%zu] b_scale[%zu] bias=%d",
                what, (long long)in.m, (long long)in.n, (long long)in.k, in.a_scale.size(),
                in.b_scale.size(), in.bias.empty() ? 0 : 1);
  return buf;
}

// Runs raw mode and the given epilogue variants on one shape.
void run_shape(int64_t m, int64_t n, int64_t k, uint64_t seed,
               std::initializer_list<int> variants) {
  for (int v : variants) {
    // variant bits: 1 bf16 (else fp16), 2 bias, 4 per-tensor a_scale, 8 per-tensor b_scale
    const oct_dtype_t out = (v & 1) ? OCT_DTYPE_BF16 : OCT_DTYPE_FP16;
    auto in = gemm_ref::make_inputs(m, n, k, !(v & 4), !(v & 8), (v & 2) != 0, out, seed + v);
    const Truth truth = exact_accumulators(in, seed + 1000 + v);
    Operands g(g_gpu, in, out);

    // raw int32: bit-exact
    Tensor raw(g_gpu, OCT_DTYPE_INT32, {m, n});
    raw.poison();
    OCT(oct_gemm_s8(g.a.t, g.b.t, nullptr, nullptr, nullptr, raw.t, g_stream));
    OCT(oct_stream_synchronize(g_stream));
    auto got_raw = raw.download<int32_t>();
    int bad = 0;
    for_each_known(in, truth, [&](int64_t i, int64_t j, int64_t acc) {
      if (got_raw[i * n + j] != acc && bad++ < 5)
        std::fprintf(stderr, "  raw[%lld,%lld] = %d, expected %lld\n", (long long)i,
                     (long long)j, got_raw[i * n + j], (long long)acc);
    });
    if (bad) std::fprintf(stderr, "%s: %d raw mismatches\n", describe(in, "raw").c_str(), bad);
    CHECK(bad == 0);

    // fused epilogue: within tolerance of the float64 reference
    Tensor o(g_gpu, out, {m, n});
    o.poison();
    OCT(oct_gemm_s8(g.a.t, g.b.t, g.as.t, g.bs.t, in.bias.empty() ? nullptr : g.bias.t, o.t,
                    g_stream));
    OCT(oct_stream_synchronize(g_stream));
    auto got = o.download<uint16_t>();
    bad = 0;
    int reported = 0;
    for_each_known(in, truth, [&](int64_t i, int64_t j, int64_t acc) {
      bad += !gemm_ref::check_element(in, i, j, acc, got[i * n + j], out, reported);
    });
    if (!truth.full) {
      // The rest of the output: against the reference computed from the GPU's own raw
      // accumulators (checked bit-exact above on the sample), so no entry goes unchecked.
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          bad += !gemm_ref::check_element(in, i, j, got_raw[i * n + j], got[i * n + j], out,
                                          reported);
    }
    if (bad)
      std::fprintf(stderr, "%s: %d outside tolerance\n",
                   describe(in, out == OCT_DTYPE_FP16 ? "fp16" : "bf16").c_str(), bad);
    CHECK(bad == 0);
    ++g_cases;
  }
}

}  // namespace

int main() {
  if (!harness::cuda_device_present("test_gemm_s8_cuda")) return harness::kSkipped;
  oct_device_info_t info;
  OCT(oct_cuda_device_info(0, &info));
  int32_t cutlass = 0;
  OCT(oct_cutlass_is_built(&cutlass));
  std::printf("test_gemm_s8_cuda: %s (sm_%d%d), CUTLASS kernels %s\n", info.name, info.sm_major,
              info.sm_minor, cutlass ? "built" : "not built (portable kernel only)");
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &g_cpu));
  OCT(oct_context_create(OCT_BACKEND_CUDA, 0, &g_gpu));
  OCT(oct_stream_create(g_gpu, &g_stream));
  uint64_t seed = 9000;

  // M sweep 1..127 at N = K in {64, 128}: one epilogue variant per M, rotating through all 16.
  for (int64_t nk : {64, 128})
    for (int64_t m = 1; m <= 127; ++m) run_shape(m, nk, nk, seed += 100, {int((m + nk) % 16)});
  // Every variant on the odd shapes.
  std::initializer_list<int> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  run_shape(33, 256, 496, seed += 100, all);
  run_shape(100, 512, 1024, seed += 100, all);
  // Bucket edges: small/mid (64/65), mid/large (512/513), N below/above 8192 at small M.
  for (int64_t m : {64, 65, 512, 513, 777}) run_shape(m, 256, 512, seed += 100, {0, 3, 13});
  run_shape(32, 8192, 256, seed += 100, {0, 7});
  run_shape(17, 8200, 128, seed += 100, {1, 10});
  // Small M with K % 64 != 0 (a partial 64-byte chunk) and N % 16 != 0: the decode kernel's edges
  // (it takes M <= 16).
  for (int64_t m : {1, 3, 8, 9, 16}) run_shape(m, 264, 208, seed += 100, {int(m % 16), 6});
  // The portable kernel: K % 16 != 0, N % 8 != 0, tiny and ragged shapes.
  const int64_t odd[][3] = {{1, 1, 1},    {5, 7, 33},    {64, 100, 100}, {130, 72, 40},
                            {17, 36, 64}, {300, 260, 1000}, {3, 9, 4099}};
  for (auto& s : odd) run_shape(s[0], s[1], s[2], seed += 100, {0, 5, 10, 15});
  // Llama-2-7B layers at M in {1, 16, 128, 2048}.
  const int64_t llama[][2] = {{4096, 4096}, {11008, 4096}, {4096, 11008}};
  for (auto& nk : llama)
    for (int64_t m : {1, 16, 128, 2048})
      run_shape(m, nk[0], nk[1], seed += 100, {int(m % 16), int((m + 6) % 16)});
  // Large M on the cooperative config with a non-multiple-of-tile remainder.
  run_shape(4099, 4096, 4096, seed += 100, {2});

  OCT(oct_stream_destroy(g_stream));
  OCT(oct_context_destroy(g_gpu));
  OCT(oct_context_destroy(g_cpu));
  std::printf("test_gemm_s8_cuda: %d cases\n", g_cases);
  return harness::finish("test_gemm_s8_cuda");
}
