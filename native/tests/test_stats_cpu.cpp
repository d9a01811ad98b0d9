// The CPU backend's tensor statistics against a host reference written independently here (in
// double, with std::floor for the bins): absmax / min-max over the tensor, rows and columns,
// histograms of x and |x|, the documented NaN / Inf / -0 behaviour, and argument checks.
#include <algorithm>
#include <cstring>
#include <limits>

#include "common/numerics.hpp"
#include "harness.hpp"

using harness::Tensor;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

// Values as the tensor holds them (rounded into fp16 / bf16), and their bytes.
std::vector<float> rounded(const std::vector<float>& v, oct_dtype_t dtype, std::vector<uint8_t>& raw) {
  std::vector<float> out(v.size());
  const size_t esize = dtype == OCT_DTYPE_FP32 ? 4 : 2;
  raw.assign(v.size() * esize, 0);
  for (size_t i = 0; i < v.size(); ++i) {
    if (dtype == OCT_DTYPE_FP32) {
      out[i] = v[i];
      std::memcpy(&raw[i * 4], &v[i], 4);
    } else {
      uint16_t h = dtype == OCT_DTYPE_FP16 ? octet::float_to_half(v[i]) : octet::float_to_bf16(v[i]);
      out[i] = dtype == OCT_DTYPE_FP16 ? octet::half_to_float(h) : octet::bf16_to_float(h);
      std::memcpy(&raw[i * 2], &h, 2);
    }
  }
  return out;
}

bool same_float(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, 4) == 0;  // also tells -0 from +0
}

void reductions(oct_context_t ctx, oct_dtype_t dtype, int64_t rows, int64_t cols, uint64_t seed,
                bool specials) {
  std::vector<float> v = harness::gaussian(static_cast<size_t>(rows * cols), seed, 3.0f);
  if (specials && rows > 3 && cols > 2) {
    v[0 * cols + 1] = kNaN;       // row 0 and column 1: NaN
    v[1 * cols + 0] = kInf;       // row 1: +Inf absmax, +Inf max
    v[2 * cols + 2] = -kInf;      // row 2: -Inf min
    for (int64_t c = 0; c < cols; ++c) v[3 * cols + c] = (c % 2) ? -0.0f : 0.0f;  // row 3: zeros
  }
  std::vector<uint8_t> raw;
  std::vector<float> x = rounded(v, dtype, raw);
  Tensor xt(ctx, dtype, {rows, cols});
  xt.upload(raw);
  const oct_reduce_t reduces[3] = {OCT_REDUCE_ALL, OCT_REDUCE_ROWS, OCT_REDUCE_COLUMNS};
  for (oct_reduce_t red : reduces) {
    const int64_t n = red == OCT_REDUCE_ALL ? 1 : red == OCT_REDUCE_ROWS ? rows : cols;
    auto index = [&](int64_t i) { return red == OCT_REDUCE_ALL ? 0 : red == OCT_REDUCE_ROWS ? i / cols : i % cols; };
    std::vector<double> amax(n, 0.0), mn(n, kInf), mx(n, -kInf);
    std::vector<bool> nan(n, false), neg_zero_min(n, false), pos_zero_max(n, false);
    for (int64_t i = 0; i < rows * cols; ++i) {
      const int64_t r = index(i);
      const float f = x[i];
      if (std::isnan(f)) { nan[r] = true; continue; }
      amax[r] = std::max(amax[r], std::fabs(static_cast<double>(f)));
      mn[r] = std::min(mn[r], static_cast<double>(f));
      mx[r] = std::max(mx[r], static_cast<double>(f));
      if (f == 0 && std::signbit(f)) neg_zero_min[r] = true;
      if (f == 0 && !std::signbit(f)) pos_zero_max[r] = true;
    }
    Tensor at(ctx, OCT_DTYPE_FP32, {n}), mt(ctx, OCT_DTYPE_FP32, {n, 2});
    at.poison();
    mt.poison();
    OCT(oct_tensor_absmax(xt.t, red, at.t, nullptr));
    OCT(oct_tensor_minmax(xt.t, red, mt.t, nullptr));
    auto a = at.download<float>();
    auto m = mt.download<float>();
    for (int64_t r = 0; r < n; ++r) {
      if (nan[r]) {
        CHECK(std::isnan(a[r]));
        CHECK(std::isnan(m[2 * r]) && std::isnan(m[2 * r + 1]));
        continue;
      }
      CHECK(same_float(a[r], static_cast<float>(amax[r])));
      // -0 orders below +0: a zero minimum is -0 when there is a -0; a zero maximum is +0 when
      // there is a +0.
      const float emin = mn[r] == 0 ? (neg_zero_min[r] ? -0.0f : 0.0f) : static_cast<float>(mn[r]);
      const float emax = mx[r] == 0 ? (pos_zero_max[r] ? 0.0f : -0.0f) : static_cast<float>(mx[r]);
      CHECK(same_float(m[2 * r], emin));
      CHECK(same_float(m[2 * r + 1], emax));
    }
  }
}

void histograms(oct_context_t ctx, oct_dtype_t dtype, int64_t n, uint64_t seed) {
  std::vector<float> v = harness::gaussian(static_cast<size_t>(n), seed, 2.0f);
  if (n > 4) {
    v[0] = kNaN;
    v[1] = kInf;
    v[2] = -kInf;
    v[3] = 1000.0f;
  }
  std::vector<uint8_t> raw;
  std::vector<float> x = rounded(v, dtype, raw);
  Tensor xt(ctx, dtype, {n});
  xt.upload(raw);
  struct Range { float lo, hi; int absolute; int32_t bins; };
  const Range ranges[] = {{0.0f, 8.0f, 1, 2048}, {0.0f, 4.0f, 1, 1}, {-3.0f, 5.0f, 0, 1000},
                          {-0.37f, 1.21f, 0, 8192}, {0.0f, 0.5f, 1, 7}};
  for (const Range& rg : ranges) {
    Tensor ct(ctx, OCT_DTYPE_INT32, {rg.bins});
    ct.poison();
    OCT(oct_tensor_histogram(xt.t, rg.lo, rg.hi, rg.absolute, ct.t, nullptr));
    auto got = ct.download<int32_t>();
    // Reference: bin = floor((v - lo) * inv) of the fp32-rounded steps, clamped; NaN skipped.
    std::vector<int32_t> expect(static_cast<size_t>(rg.bins), 0);
    const float inv = static_cast<float>(rg.bins) / (rg.hi - rg.lo);
    for (float f : x) {
      if (std::isnan(f)) continue;
      const float a = rg.absolute ? std::fabs(f) : f;
      const volatile float diff = a - rg.lo;  // volatile: each step rounded to fp32 here too
      const volatile float t = diff * inv;
      double b = std::floor(static_cast<double>(t));
      b = std::min(static_cast<double>(rg.bins - 1), std::max(0.0, b));
      ++expect[static_cast<size_t>(b)];
    }
    CHECK(got == expect);
    int64_t total = 0;
    for (int32_t c : got) total += c;
    CHECK(total == (n > 4 ? n - 1 : n));  // everything but the NaN
  }
  // lo = 0, power-of-two hi and bins: the bin of every value is exact, i.e. floor(|v| * bins / hi)
  Tensor ct(ctx, OCT_DTYPE_INT32, {1024});
  OCT(oct_tensor_histogram(xt.t, 0.0f, 4.0f, 1, ct.t, nullptr));
  auto got = ct.download<int32_t>();
  std::vector<int32_t> exact(1024, 0);
  for (float f : x) {
    if (std::isnan(f)) continue;
    double b = std::floor(std::fabs(static_cast<double>(f)) * 1024.0 / 4.0);
    ++exact[static_cast<size_t>(std::min(1023.0, b))];
  }
  CHECK(got == exact);
}

void bad_arguments(oct_context_t ctx) {
  Tensor x(ctx, OCT_DTYPE_FP32, {3, 4}), xi(ctx, OCT_DTYPE_INT8, {3, 4});
  Tensor o1(ctx, OCT_DTYPE_FP32, {1}), o3(ctx, OCT_DTYPE_FP32, {3}), o4(ctx, OCT_DTYPE_FP32, {4});
  Tensor m2(ctx, OCT_DTYPE_FP32, {2}), m32(ctx, OCT_DTYPE_FP32, {3, 2}), m3(ctx, OCT_DTYPE_FP32, {3});
  Tensor c(ctx, OCT_DTYPE_INT32, {16}), cf(ctx, OCT_DTYPE_FP32, {16}), cbig(ctx, OCT_DTYPE_INT32, {8193});
  CHECK(oct_tensor_absmax(x.t, OCT_REDUCE_ALL, o1.t, nullptr) == OCT_STATUS_SUCCESS);
  CHECK(oct_tensor_absmax(x.t, OCT_REDUCE_ROWS, o3.t, nullptr) == OCT_STATUS_SUCCESS);
  CHECK(oct_tensor_absmax(x.t, OCT_REDUCE_COLUMNS, o4.t, nullptr) == OCT_STATUS_SUCCESS);
  CHECK(oct_tensor_minmax(x.t, OCT_REDUCE_ALL, m2.t, nullptr) == OCT_STATUS_SUCCESS);
  CHECK(oct_tensor_minmax(x.t, OCT_REDUCE_ROWS, m32.t, nullptr) == OCT_STATUS_SUCCESS);
  CHECK(oct_tensor_absmax(x.t, OCT_REDUCE_ROWS, o4.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'out'") != nullptr);
  CHECK(oct_tensor_absmax(x.t, static_cast<oct_reduce_t>(7), o1.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'reduce'") != nullptr);
  CHECK(oct_tensor_absmax(xi.t, OCT_REDUCE_ALL, o1.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_absmax(nullptr, OCT_REDUCE_ALL, o1.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_absmax(x.t, OCT_REDUCE_ALL, nullptr, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_minmax(x.t, OCT_REDUCE_ROWS, m3.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_histogram(x.t, 0.0f, 1.0f, 1, c.t, nullptr) == OCT_STATUS_SUCCESS);
  CHECK(oct_tensor_histogram(x.t, 1.0f, 1.0f, 1, c.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'lo'") != nullptr);
  CHECK(oct_tensor_histogram(x.t, 0.0f, kInf, 1, c.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_histogram(x.t, kNaN, 1.0f, 1, c.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_histogram(x.t, -3e38f, 3e38f, 1, c.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_histogram(x.t, 0.0f, 1e-44f, 1, c.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_histogram(x.t, 0.0f, 1.0f, 1, cf.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_histogram(x.t, 0.0f, 1.0f, 1, cbig.t, nullptr) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'counts'") != nullptr);
}

}  // namespace

int main() {
  oct_context_t ctx = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &ctx));
  uint64_t seed = 7;
  const int64_t shapes[][2] = {{1, 1}, {1, 9}, {9, 1}, {5, 7}, {33, 300}, {300, 33}};
  for (oct_dtype_t d : {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
    for (auto& s : shapes) {
      reductions(ctx, d, s[0], s[1], ++seed, false);
      reductions(ctx, d, s[0], s[1], ++seed, true);
    }
    for (int64_t n : {1, 3, 5, 1000, 100000}) histograms(ctx, d, n, ++seed);
  }
  bad_arguments(ctx);
  OCT(oct_context_destroy(ctx));
  return harness::finish("test_stats_cpu");
}
