// The CPU backend's int8 GEMM against the independent reference of gemm_s8_reference.hpp:
// int32 results bit-exact (int64 reference), fp16/bf16 epilogue within the derived tolerance,
// every scale/bias/dtype combination, odd shapes, extreme values, and bad input named.
#include <cstring>
#include <string>

#include "gemm_s8_reference.hpp"
#include "harness.hpp"

using harness::Tensor;

namespace {

struct Run {
  Tensor a, b, out;
  Run(oct_context_t ctx, const gemm_ref::Inputs& in, oct_dtype_t out_dtype)
      : a(ctx, OCT_DTYPE_INT8, {in.m, in.k}), b(ctx, OCT_DTYPE_INT8, {in.n, in.k}),
        out(ctx, out_dtype, {in.m, in.n}) {
    a.upload(in.a);
    b.upload(in.b);
    out.poison();
  }
};

void check_raw(oct_context_t ctx, const gemm_ref::Inputs& in) {
  Run r(ctx, in, OCT_DTYPE_INT32);
  OCT(oct_gemm_s8(r.a.t, r.b.t, nullptr, nullptr, nullptr, r.out.t, nullptr));
  auto got = r.out.download<int32_t>();
  int bad = 0;
  for (int64_t m = 0; m < in.m; ++m)
    for (int64_t n = 0; n < in.n; ++n) bad += got[m * in.n + n] != gemm_ref::dot(in, m, n);
  if (bad) std::fprintf(stderr, "raw %lldx%lldx%lld: %d wrong\n", (long long)in.m,
                        (long long)in.n, (long long)in.k, bad);
  CHECK(bad == 0);
}

void check_scaled(oct_context_t ctx, int64_t m, int64_t n, int64_t k, oct_dtype_t out,
                  bool a_per_row, bool b_per_col, bool bias, uint64_t seed) {
  auto in = gemm_ref::make_inputs(m, n, k, a_per_row, b_per_col, bias, out, seed);
  Run r(ctx, in, out);
  Tensor as(ctx, OCT_DTYPE_FP32, {int64_t(in.a_scale.size())});
  Tensor bs(ctx, OCT_DTYPE_FP32, {int64_t(in.b_scale.size())});
  as.upload(in.a_scale);
  bs.upload(in.b_scale);
  Tensor bi(ctx, out, {n});
  if (bias) bi.upload(in.bias);
  OCT(oct_gemm_s8(r.a.t, r.b.t, as.t, bs.t, bias ? bi.t : nullptr, r.out.t, nullptr));
  auto got = r.out.download<uint16_t>();
  int bad = 0, reported = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      bad += !gemm_ref::check_element(in, i, j, gemm_ref::dot(in, i, j), got[i * n + j], out,
                                      reported);
  if (bad)
    std::fprintf(stderr, "%s %lldx%lldx%lld a_per_row=%d b_per_col=%d bias=%d: %d wrong\n",
                 out == OCT_DTYPE_FP16 ? "fp16" : "bf16", (long long)m, (long long)n,
                 (long long)k, a_per_row, b_per_col, bias, bad);
  CHECK(bad == 0);
  // Raw mode on the same inputs must be bit-exact too.
  check_raw(ctx, in);
}

// The extreme accumulators: all -128 times all -128 (acc = K * 2^14) and -128 times 127.
void check_extremes(oct_context_t ctx) {
  const int64_t m = 3, n = 2, k = 4099;
  gemm_ref::Inputs in{m, n, k, {}, {}, {}, {}, {}};
  in.a.assign(size_t(m * k), int8_t(-128));
  in.b.assign(size_t(n * k), int8_t(-128));
  for (int64_t i = 0; i < k; ++i) in.a[2 * k + i] = 127;  // row 2: 127 * -128
  check_raw(ctx, in);
}

// Expects `status` and a message naming `word`.
void expect_error(oct_status_t got, oct_status_t want, const char* word, int line) {
  const std::string msg = oct_last_error_message();
  if (got != want || msg.find(word) == std::string::npos) {
    std::fprintf(stderr, "line %d: expected %s naming '%s'; got %s: %s\n", line,
                 oct_status_string(want), word, oct_status_string(got), msg.c_str());
    ++harness::failures;
  }
}
#define EXPECT_ERROR(call, want, word) expect_error((call), (want), (word), __LINE__)

void check_bad_input(oct_context_t ctx) {
  const int64_t m = 4, n = 8, k = 16;
  Tensor a(ctx, OCT_DTYPE_INT8, {m, k}), b(ctx, OCT_DTYPE_INT8, {n, k});
  Tensor out(ctx, OCT_DTYPE_FP16, {m, n}), raw(ctx, OCT_DTYPE_INT32, {m, n});
  Tensor as(ctx, OCT_DTYPE_FP32, {m}), bs(ctx, OCT_DTYPE_FP32, {n});
  Tensor bias(ctx, OCT_DTYPE_FP16, {n});
  const auto INV = OCT_STATUS_INVALID_ARGUMENT;
  // sanity: the valid call works
  OCT(oct_gemm_s8(a.t, b.t, as.t, bs.t, bias.t, out.t, nullptr));
  OCT(oct_gemm_s8(a.t, b.t, nullptr, nullptr, nullptr, raw.t, nullptr));

  EXPECT_ERROR(oct_gemm_s8(nullptr, b.t, as.t, bs.t, nullptr, out.t, nullptr), INV, "'a'");
  EXPECT_ERROR(oct_gemm_s8(a.t, nullptr, as.t, bs.t, nullptr, out.t, nullptr), INV, "'b'");
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs.t, nullptr, nullptr, nullptr), INV, "'out'");
  Tensor a_fp16(ctx, OCT_DTYPE_FP16, {m, k});
  EXPECT_ERROR(oct_gemm_s8(a_fp16.t, b.t, as.t, bs.t, nullptr, out.t, nullptr), INV, "'a'");
  Tensor a3(ctx, OCT_DTYPE_INT8, {1, m, k});
  EXPECT_ERROR(oct_gemm_s8(a3.t, b.t, as.t, bs.t, nullptr, out.t, nullptr), INV, "'a'");
  Tensor b_k(ctx, OCT_DTYPE_INT8, {n, k + 16});  // K mismatch
  EXPECT_ERROR(oct_gemm_s8(a.t, b_k.t, as.t, bs.t, nullptr, out.t, nullptr), INV, "disagree on K");
  Tensor out_shape(ctx, OCT_DTYPE_FP16, {m, n + 1});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs.t, nullptr, out_shape.t, nullptr), INV, "'out'");
  Tensor out_fp32(ctx, OCT_DTYPE_FP32, {m, n});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs.t, nullptr, out_fp32.t, nullptr), INV, "'out'");
  Tensor as_len(ctx, OCT_DTYPE_FP32, {m + 1});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as_len.t, bs.t, nullptr, out.t, nullptr), INV, "'a_scale'");
  Tensor bs_len(ctx, OCT_DTYPE_FP32, {n - 1});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs_len.t, nullptr, out.t, nullptr), INV, "'b_scale'");
  Tensor as_fp16(ctx, OCT_DTYPE_FP16, {m});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as_fp16.t, bs.t, nullptr, out.t, nullptr), INV, "'a_scale'");
  Tensor bs_2d(ctx, OCT_DTYPE_FP32, {n, 1});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs_2d.t, nullptr, out.t, nullptr), INV, "'b_scale'");
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, nullptr, bs.t, nullptr, out.t, nullptr), INV, "'a_scale'");
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, nullptr, nullptr, out.t, nullptr), INV, "'b_scale'");
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs.t, nullptr, raw.t, nullptr), INV, "raw mode");
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, nullptr, nullptr, bias.t, raw.t, nullptr), INV, "raw mode");
  Tensor bias_bf16(ctx, OCT_DTYPE_BF16, {n});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs.t, bias_bf16.t, out.t, nullptr), INV, "'bias'");
  Tensor bias_len(ctx, OCT_DTYPE_FP16, {n + 8});
  EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs.t, bias_len.t, out.t, nullptr), INV, "'bias'");
  // a tensor of another context
  oct_context_t other = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &other));
  {
    Tensor b_other(other, OCT_DTYPE_INT8, {n, k});
    EXPECT_ERROR(oct_gemm_s8(a.t, b_other.t, as.t, bs.t, nullptr, out.t, nullptr), INV,
                 "different contexts");
    Tensor bs_other(other, OCT_DTYPE_FP32, {n});
    EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs_other.t, nullptr, out.t, nullptr), INV,
                 "different contexts");
    oct_stream_t s_other = nullptr;
    OCT(oct_stream_create(other, &s_other));
    EXPECT_ERROR(oct_gemm_s8(a.t, b.t, as.t, bs.t, nullptr, out.t, s_other), INV, "'stream'");
    OCT(oct_stream_destroy(s_other));
  }
  OCT(oct_context_destroy(other));
  // K beyond the int32-exact limit
  const int64_t big_k = 131072;
  Tensor a_big(ctx, OCT_DTYPE_INT8, {1, big_k}), b_big(ctx, OCT_DTYPE_INT8, {1, big_k});
  Tensor out_big(ctx, OCT_DTYPE_INT32, {1, 1});
  EXPECT_ERROR(oct_gemm_s8(a_big.t, b_big.t, nullptr, nullptr, nullptr, out_big.t, nullptr),
               OCT_STATUS_NOT_SUPPORTED, "overflow");
}

}  // namespace

int main() {
  oct_context_t ctx = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &ctx));
  uint64_t seed = 4000;
  // raw int32 on odd and even shapes
  const int64_t raw_shapes[][3] = {{1, 1, 1},   {1, 7, 3},     {5, 1, 17},   {7, 13, 33},
                                   {64, 64, 64}, {33, 256, 496}, {100, 24, 1000}};
  for (auto& s : raw_shapes)
    check_raw(ctx, gemm_ref::make_inputs(s[0], s[1], s[2], true, true, false, OCT_DTYPE_FP16,
                                         ++seed));
  check_extremes(ctx);
  // every epilogue combination, on an odd and an aligned shape
  const int64_t shapes[][3] = {{7, 13, 33}, {33, 64, 256}, {1, 40, 100}};
  for (auto& s : shapes)
    for (oct_dtype_t out : {OCT_DTYPE_FP16, OCT_DTYPE_BF16})
      for (bool a_per_row : {true, false})
        for (bool b_per_col : {true, false})
          for (bool bias : {false, true})
            check_scaled(ctx, s[0], s[1], s[2], out, a_per_row, b_per_col, bias, ++seed);
  // a larger one, and fp16 overflow to Inf (outputs scaled far past 65504)
  check_scaled(ctx, 100, 512, 1024, OCT_DTYPE_FP16, true, true, true, ++seed);
  {
    auto in = gemm_ref::make_inputs(4, 8, 64, false, false, false, OCT_DTYPE_FP16, ++seed);
    in.a_scale[0] = 1.0f;
    in.b_scale[0] = 64.0f;  // |acc| ~ 4e4 -> |out| ~ 2.7e6: Inf in fp16
    Tensor a(ctx, OCT_DTYPE_INT8, {4, 64}), b(ctx, OCT_DTYPE_INT8, {8, 64});
    Tensor as(ctx, OCT_DTYPE_FP32, {1}), bs(ctx, OCT_DTYPE_FP32, {1}), o(ctx, OCT_DTYPE_FP16, {4, 8});
    a.upload(in.a);
    b.upload(in.b);
    as.upload(in.a_scale);
    bs.upload(in.b_scale);
    o.poison();
    OCT(oct_gemm_s8(a.t, b.t, as.t, bs.t, nullptr, o.t, nullptr));
    auto got = o.download<uint16_t>();
    int bad = 0, reported = 0;
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 8; ++j)
        bad += !gemm_ref::check_element(in, i, j, gemm_ref::dot(in, i, j), got[i * 8 + j],
                                        OCT_DTYPE_FP16, reported);
    CHECK(bad == 0);
  }
  check_bad_input(ctx);
  OCT(oct_context_destroy(ctx));
  return harness::finish("test_gemm_s8_cpu");
}
