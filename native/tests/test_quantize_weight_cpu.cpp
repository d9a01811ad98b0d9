// The CPU backend's per-channel quantization against a host reference written independently
// here, in double where it can be: scales, int8 values, round-trip error bounds, special rows.
#include <algorithm>
#include <cstring>
#include <limits>

#include "common/numerics.hpp"
#include "harness.hpp"

using harness::Tensor;

namespace {

void run_case(oct_context_t ctx, int64_t rows, int64_t cols, uint64_t seed) {
  std::vector<float> w = harness::gaussian(static_cast<size_t>(rows * cols), seed, 0.05f);
  if (rows > 1) std::fill(w.begin() + cols, w.begin() + 2 * cols, 0.0f);  // an all-zero row
  if (rows > 2) w[2 * cols + cols / 2] = 1.0e4f;                          // one huge value
  if (rows > 3) w[3 * cols] = std::numeric_limits<float>::quiet_NaN();    // NaN row
  if (rows > 4) w[4 * cols + cols - 1] = -std::numeric_limits<float>::infinity();

  Tensor wt(ctx, OCT_DTYPE_FP32, {rows, cols}), qt(ctx, OCT_DTYPE_INT8, {rows, cols}),
      st(ctx, OCT_DTYPE_FP32, {rows}), dt(ctx, OCT_DTYPE_FP32, {rows, cols});
  wt.upload(w);
  qt.poison();
  st.poison();
  dt.poison();
  OCT(oct_quantize_weight(wt.t, 0, qt.t, st.t, nullptr));
  OCT(oct_dequantize_weight(qt.t, st.t, dt.t, nullptr));
  auto q = qt.download<int8_t>();
  auto s = st.download<float>();
  auto d = dt.download<float>();

  for (int64_t r = 0; r < rows; ++r) {
    double absmax = 0;
    bool finite = true;
    for (int64_t c = 0; c < cols; ++c) {
      float v = w[r * cols + c];
      finite = finite && std::isfinite(v);
      absmax = std::max(absmax, std::fabs(static_cast<double>(v)));
    }
    if (!finite) {
      CHECK(std::isnan(s[r]));
      for (int64_t c = 0; c < cols; ++c) CHECK(q[r * cols + c] == 0);
      continue;
    }
    const float expect_scale = absmax == 0 ? 1.0f : static_cast<float>(absmax) / 127.0f;
    CHECK(s[r] == expect_scale);
    for (int64_t c = 0; c < cols; ++c) {
      const float v = w[r * cols + c];
      // reference: nearest integer of the fp32 quotient, ties to even, within [-127, 127]
      const float x = v / expect_scale;
      double fl = std::floor(static_cast<double>(x));
      double diff = static_cast<double>(x) - fl;
      double rq = diff > 0.5 ? fl + 1 : diff < 0.5 ? fl : (std::fmod(fl, 2.0) == 0 ? fl : fl + 1);
      rq = std::min(127.0, std::max(-127.0, rq));
      CHECK(q[r * cols + c] == static_cast<int8_t>(rq));
      CHECK(d[r * cols + c] == static_cast<float>(q[r * cols + c]) * s[r]);
      // round trip within half a step (plus fp32 rounding of the quotient)
      CHECK(std::fabs(d[r * cols + c] - v) <= 0.5 * s[r] * (1 + 1e-6) + 1e-30);
    }
  }
}

void conversions() {
  // fp16 / bf16 host conversions: exhaustive round trip of every finite 16-bit pattern, and a
  // tie case for each.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    uint16_t b = static_cast<uint16_t>(h);
    float f = octet::half_to_float(b);
    if (std::isnan(f)) continue;
    CHECK(octet::float_to_half(f) == b);
    float g = octet::bf16_to_float(b);
    if (!std::isnan(g)) CHECK(octet::float_to_bf16(g) == b);
  }
  CHECK(octet::float_to_half(1.0f + 1.0f / 2048) == 0x3c00);            // tie to even (down)
  CHECK(octet::float_to_half(1.0f + 3.0f / 2048) == 0x3c02);            // tie to even (up)
  CHECK(octet::float_to_half(65520.0f) == 0x7c00);                      // rounds to Inf
  CHECK(octet::float_to_half(65519.0f) == 0x7bff);
  CHECK(octet::float_to_bf16(1.0f + 1.0f / 256) == 0x3f80);             // tie to even (down)
  CHECK(octet::float_to_half(std::ldexp(1.0f, -25)) == 0x0000);         // half of min subnormal: tie to 0
  CHECK(octet::float_to_half(std::ldexp(3.0f, -25)) == 0x0002);         // 1.5 * min subnormal: tie to 2
}

// Per group: each group of 64 is quantized exactly as a per-channel row of 64 would be.
void per_group(oct_context_t ctx) {
  const int64_t rows = 5, cols = 256, group = 64;
  std::vector<float> w = harness::gaussian(rows * cols, 77);
  for (int64_t c = 64; c < 128; ++c) w[c] = 0.0f;  // an all-zero group
  w[2 * cols + 130] = NAN;                          // a NaN group: only that group is NaN
  Tensor wt(ctx, OCT_DTYPE_FP32, {rows, cols}), qt(ctx, OCT_DTYPE_INT8, {rows, cols}),
      st(ctx, OCT_DTYPE_FP32, {rows, cols / group});
  Tensor w1(ctx, OCT_DTYPE_FP32, {rows * cols / group, group}),
      q1(ctx, OCT_DTYPE_INT8, {rows * cols / group, group}), s1(ctx, OCT_DTYPE_FP32, {rows * cols / group});
  wt.upload(w);
  w1.upload(w);
  qt.poison();
  st.poison();
  OCT(oct_quantize_weight(wt.t, group, qt.t, st.t, nullptr));
  OCT(oct_quantize_weight(w1.t, 0, q1.t, s1.t, nullptr));
  auto q = qt.download<int8_t>(), qr = q1.download<int8_t>();
  auto s = st.download<float>(), sr = s1.download<float>();
  CHECK(q == qr);
  for (size_t i = 0; i < s.size(); ++i)
    CHECK((std::isnan(s[i]) && std::isnan(sr[i])) || s[i] == sr[i]);
  CHECK(std::isnan(s[2 * 4 + 2]) && !std::isnan(s[2 * 4 + 1]) && s[1] == 1.0f);
  // group_size that does not divide K, and scales of the wrong shape: named errors
  CHECK(oct_quantize_weight(wt.t, 48, qt.t, st.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'group_size'") != nullptr);
  CHECK(oct_quantize_weight(wt.t, 128, qt.t, st.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'scales'") != nullptr);
}

}  // namespace

int main() {
  oct_context_t ctx = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &ctx));
  conversions();
  run_case(ctx, 1, 1, 1);
  run_case(ctx, 3, 5, 2);
  run_case(ctx, 7, 4096, 3);
  run_case(ctx, 4095, 11, 4);
  per_group(ctx);

  // Bad input: a status and a message naming the argument, never a crash.
  Tensor w(ctx, OCT_DTYPE_FP32, {4, 8}), q(ctx, OCT_DTYPE_INT8, {4, 7}), s(ctx, OCT_DTYPE_FP32, {4});
  CHECK(oct_quantize_weight(w.t, 0, q.t, s.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'q'") != nullptr);
  CHECK(oct_quantize_weight(nullptr, 0, q.t, s.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'weight'") != nullptr);
  int64_t huge[2] = {int64_t(1) << 40, int64_t(1) << 40};
  oct_tensor_t t = nullptr;
  CHECK(oct_tensor_create(ctx, OCT_DTYPE_FP32, 2, huge, &t) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(t == nullptr);
  oct_context_t other = nullptr;
  CHECK(oct_context_create(OCT_BACKEND_CPU, 3, &other) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'device'") != nullptr);
  OCT(oct_context_destroy(ctx));  // tensors above still hold the context: freed after them
  return harness::finish("test_quantize_weight_cpu");
}
