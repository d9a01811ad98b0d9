// oct_gemm_w8a16 on the CPU backend: against the float64 reference (tolerance derived in
// w8a16_check.hpp) on small odd shapes, per channel and per group, with and without bias, fp16
// and bf16; and every kind of bad input gets a status and a message naming the argument.
#include <cstring>
#include <string>

#include "w8a16_check.hpp"

using harness::Tensor;

namespace {

void expect_error(oct_status_t got, oct_status_t want, const char* fragment, const char* what) {
  const std::string msg = oct_last_error_message();
  const bool ok = got == want && msg.find(fragment) != std::string::npos;
  if (!ok)
    std::fprintf(stderr, "  %s: status %s, message \"%s\"; wanted %s naming \"%s\"\n", what,
                 oct_status_string(got), msg.c_str(), oct_status_string(want), fragment);
  CHECK(ok);
}

void bad_inputs(oct_context_t ctx) {
  Tensor x(ctx, OCT_DTYPE_FP16, {2, 128}), q(ctx, OCT_DTYPE_INT8, {3, 128}),
      s(ctx, OCT_DTYPE_FP32, {3}), out(ctx, OCT_DTYPE_FP16, {2, 3}), bias(ctx, OCT_DTYPE_FP16, {3});
  Tensor x32(ctx, OCT_DTYPE_FP32, {2, 128}), x_k40(ctx, OCT_DTYPE_FP16, {2, 40}),
      q_k40(ctx, OCT_DTYPE_INT8, {3, 40}), s_k40(ctx, OCT_DTYPE_FP32, {3});
  Tensor q_k129(ctx, OCT_DTYPE_INT8, {3, 129});
  Tensor s_g3(ctx, OCT_DTYPE_FP32, {3, 3}), s_g4(ctx, OCT_DTYPE_FP32, {3, 4}),
      s_rows(ctx, OCT_DTYPE_FP32, {4}), s16(ctx, OCT_DTYPE_FP16, {3});
  Tensor out_bf(ctx, OCT_DTYPE_BF16, {2, 3}), out_shape(ctx, OCT_DTYPE_FP16, {3, 2}),
      bias_bf(ctx, OCT_DTYPE_BF16, {3}), bias_len(ctx, OCT_DTYPE_FP16, {4}),
      q16(ctx, OCT_DTYPE_FP16, {3, 128});
  oct_context_t other = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &other));
  {
    Tensor out_other(other, OCT_DTYPE_FP16, {2, 3});
    expect_error(oct_gemm_w8a16(x.t, q.t, s.t, nullptr, out_other.t, nullptr),
                 OCT_STATUS_INVALID_ARGUMENT, "different contexts", "foreign out");
  }
  OCT(oct_context_destroy(other));
  const auto INV = OCT_STATUS_INVALID_ARGUMENT;
  expect_error(oct_gemm_w8a16(nullptr, q.t, s.t, nullptr, out.t, nullptr), INV, "'x' is NULL", "null x");
  expect_error(oct_gemm_w8a16(x.t, nullptr, s.t, nullptr, out.t, nullptr), INV, "'q' is NULL", "null q");
  expect_error(oct_gemm_w8a16(x.t, q.t, nullptr, nullptr, out.t, nullptr), INV, "'w_scale' is NULL", "null scale");
  expect_error(oct_gemm_w8a16(x.t, q.t, s.t, nullptr, nullptr, nullptr), INV, "'out' is NULL", "null out");
  expect_error(oct_gemm_w8a16(x32.t, q.t, s.t, nullptr, out.t, nullptr), INV, "'x' has dtype fp32", "fp32 x");
  expect_error(oct_gemm_w8a16(x.t, q16.t, s.t, nullptr, out.t, nullptr), INV, "'q' has dtype fp16", "fp16 q");
  expect_error(oct_gemm_w8a16(x.t, q_k129.t, s.t, nullptr, out.t, nullptr), INV, "'q'", "K mismatch");
  expect_error(oct_gemm_w8a16(x_k40.t, q_k40.t, s_k40.t, nullptr, out.t, nullptr),
               OCT_STATUS_MISALIGNED, "multiple of 16", "K = 40");
  expect_error(oct_gemm_w8a16(x.t, q.t, s_g3.t, nullptr, out.t, nullptr), INV,
               "not divisible into 3 groups", "3 groups of K = 128");
  expect_error(oct_gemm_w8a16(x.t, q.t, s_g4.t, nullptr, out.t, nullptr), INV,
               "group size K / 4 = 32 is not supported", "group 32");
  expect_error(oct_gemm_w8a16(x.t, q.t, s_rows.t, nullptr, out.t, nullptr), INV, "'w_scale'", "scale rows");
  expect_error(oct_gemm_w8a16(x.t, q.t, s16.t, nullptr, out.t, nullptr), INV, "'w_scale' has dtype fp16", "fp16 scale");
  expect_error(oct_gemm_w8a16(x.t, q.t, s.t, bias_bf.t, out.t, nullptr), INV, "'bias' has dtype bf16", "bias dtype");
  expect_error(oct_gemm_w8a16(x.t, q.t, s.t, bias_len.t, out.t, nullptr), INV, "'bias'", "bias length");
  expect_error(oct_gemm_w8a16(x.t, q.t, s.t, nullptr, out_bf.t, nullptr), INV, "'out' has dtype bf16", "out dtype");
  expect_error(oct_gemm_w8a16(x.t, q.t, s.t, nullptr, out_shape.t, nullptr), INV, "'out'", "out shape");
  // and the valid call works
  OCT(oct_gemm_w8a16(x.t, q.t, s.t, bias.t, out.t, nullptr));
}

}  // namespace

int main() {
  oct_context_t cpu = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &cpu));
  uint64_t seed = 5000;
  int bad = 0;
  const int64_t shapes[][2] = {{1, 16}, {3, 80}, {257, 128}, {33, 384}, {64, 4096}};
  for (auto& sh : shapes)
    for (int64_t m : {1, 5, 17, 40})
      for (int64_t group : {int64_t(0), int64_t(64), int64_t(128)})
        for (oct_dtype_t dt : {OCT_DTYPE_FP16, OCT_DTYPE_BF16})
          for (bool bias : {false, true}) {
            if (group != 0 && sh[1] % group != 0) continue;
            const auto p = w8a16::make_problem(m, sh[0], sh[1], group, dt, bias, ++seed);
            bad += w8a16::check(p, w8a16::run(cpu, p), w8a16::rows_to_check(m, seed), "cpu");
          }
  CHECK(bad == 0);
  bad_inputs(cpu);
  OCT(oct_context_destroy(cpu));
  return harness::finish("test_gemm_w8a16_cpu");
}
