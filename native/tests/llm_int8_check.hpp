// Test-side reference and checks of oct_linear_llm_int8, written independently of the library
// and shared by test_llm_int8_cpu.cpp and test_llm_int8_cuda.cpp.
//
// Inputs: x ~ N(0, 1) clamped to |x| <= 4 (so no column passes the threshold 6 by chance), with
// `outliers` distinct random columns planted at magnitudes 20..60 (random sign); the weight
// W ~ N(0, 1/K) quantized per channel on the host (q, w_scale); bias ~ N(0, 1).
//
// Reference (float64 of the same decomposition): the outlier columns, per-token scales and xq
// follow from the definitions in fp32 (they are exact decisions, so the library must reproduce
// them); then regular = acc * s[m] * w_scale[n] with acc exact (int64), outlier =
// w_scale[n] * sum x * q (float64: exact), ref = regular + outlier + bias.
//
// Tolerance (derived, per element), u = 2^-24, ulp() of the output type:
//   outlier part c: count fp32 additions of exact products, then the product with w_scale:
//     |o - O| <= (count + 1) u * A,  A = w_scale[n] * sum |x q|;  c = round(o): + ulp(|O| + e)/2
//   epilogue (common/gemm_s8.hpp): t = fl(acc) * ws (2 roundings on P = |acc s ws|), bias + c
//     (one rounding), the fma (one rounding of |ref|): <= 3u (P + |ref| + |bias| + |c|)
// or, where the sm90 int8 GEMM adds the outlier part in its main loop (common/llm_int8.hpp):
//   F = fl(fl(acc) s) (2 roundings on P), then ceil(count / 16) tensor-core steps each adding 16
//     exact products to F in fp32; a step is allowed 17 * 2u of (|F| + its products' |x q|) (each
//     of the 17 terms aligned to the largest and truncated to 24 bits), so with the final
//     w_scale: <= 2u P + steps * 34u (P + A); then t = ws * F and fma(1, t, bias): 2u (P + |o| +
//     |ref| + E_F)
//   and the larger of the two bounds is the test's.
//   output: half an ulp of the output type at |ref| + E.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/numerics.hpp"
#include "harness.hpp"
#include "octet/octet.h"

namespace llm_ref {

using harness::Tensor;

constexpr float kThreshold = 6.0f;

struct Inputs {
  int64_t m, n, k;
  oct_dtype_t dtype;
  std::vector<uint16_t> x;      // [m, k] bits of dtype
  std::vector<float> w;         // [n, k] the float weight
  std::vector<int8_t> q;        // [n, k]
  std::vector<float> w_scale;   // [n]
  std::vector<uint16_t> bias;   // [n] or empty
  std::vector<int> planted;     // the outlier columns, ascending
};

inline uint16_t to_bits(float v, oct_dtype_t d) {
  return d == OCT_DTYPE_FP16 ? octet::float_to_half(v) : octet::float_to_bf16(v);
}
inline double from_bits(uint16_t h, oct_dtype_t d) {
  return d == OCT_DTYPE_FP16 ? octet::half_to_float(h) : octet::bf16_to_float(h);
}

// How the outlier columns are filled: kDense, every value of magnitude 20-60; kSparse, that only
// in rows 0, 3, 6, ..., the other rows +-(4.5..5.9), under the threshold but above every regular
// value (|x| <= 4), so that those rows' absmax over |x| <= threshold lies in an outlier column;
// kNaN, kSparse with a NaN in a regular column of row min(1, M - 1) (that column is then no
// outlier, and that row's scale is NaN: its outputs are NaN); kNaNWide, kNaN plus K / 32 + 5
// more columns holding 30 in row 0 and NaN in row min(1, M - 1): more values above the
// threshold in row 0 than a layer keeps as outliers, in columns that are none (not promoted).
enum Pattern { kDense, kSparse, kNaN, kNaNWide };

inline Inputs make_inputs(int64_t m, int64_t n, int64_t k, int outliers, bool with_bias,
                          oct_dtype_t d, uint64_t seed, Pattern pattern = kDense) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> mag(20.0f, 60.0f);
  Inputs in{m, n, k, d, {}, {}, {}, {}, {}, {}};
  std::vector<int> cols(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) cols[j] = static_cast<int>(j);
  std::shuffle(cols.begin(), cols.end(), rng);
  in.planted.assign(cols.begin(), cols.begin() + outliers);
  std::sort(in.planted.begin(), in.planted.end());
  std::vector<char> is_planted(static_cast<size_t>(k), 0);
  for (int j : in.planted) is_planted[j] = 1;
  in.x.resize(static_cast<size_t>(m * k));
  for (int64_t i = 0; i < m * k; ++i) {
    float v = std::clamp(normal(rng), -4.0f, 4.0f);
    if (is_planted[i % k]) {
      const bool big = pattern == kDense || (i / k) % 3 == 0;
      v = (rng() & 1 ? 1.0f : -1.0f) * (big ? mag(rng) : 4.5f + 1.4f * float(rng() % 1024) / 1024.0f);
    }
    in.x[i] = to_bits(v, d);
  }
  const uint16_t nan = d == OCT_DTYPE_FP16 ? 0x7e00 : 0x7fc0;
  if (pattern == kNaN || pattern == kNaNWide) {
    int64_t j = 0;
    while (j < k && is_planted[j]) ++j;
    if (j < k) in.x[std::min<int64_t>(1, m - 1) * k + j] = nan;
    for (int64_t extra = pattern == kNaNWide ? k / 32 + 5 : 0; extra > 0 && ++j < k;) {
      if (is_planted[j]) continue;
      in.x[j] = to_bits(30.0f, d);
      in.x[std::min<int64_t>(1, m - 1) * k + j] = nan;
      --extra;
    }
  }
  in.w.resize(static_cast<size_t>(n * k));
  const float sw = 1.0f / std::sqrt(static_cast<float>(k));
  for (auto& v : in.w) v = normal(rng) * sw;
  in.q.resize(in.w.size());
  in.w_scale.resize(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    float amax = 0.0f;
    for (int64_t j = 0; j < k; ++j) amax = std::max(amax, std::fabs(in.w[r * k + j]));
    const float s = octet::scale_from_absmax(amax);
    in.w_scale[r] = s;
    for (int64_t j = 0; j < k; ++j) in.q[r * k + j] = octet::quantize_value(in.w[r * k + j], s);
  }
  if (with_bias) {
    in.bias.resize(static_cast<size_t>(n));
    for (auto& b : in.bias) b = to_bits(normal(rng), d);
  }
  return in;
}

inline double ulp(double v, oct_dtype_t d) {
  const int mant = d == OCT_DTYPE_FP16 ? 10 : 7;
  const int emin = d == OCT_DTYPE_FP16 ? -14 : -126;
  v = std::fabs(v);
  int e = v > 0 ? std::ilogb(v) : emin;
  return std::ldexp(1.0, std::max(e, emin) - mant);
}

// The decomposition's exact decisions (fp32, as defined in octet.h) and the float64 reference.
struct Reference {
  const Inputs& in;
  std::vector<int> idx;        // outlier columns (over the threshold)
  bool promoted = false;       // more than K / 32 of them: every column is an outlier
  std::vector<int> cols;       // the columns of the outlier part: idx, or all when promoted
  std::vector<char> flag;      // [k] column j in cols
  std::vector<float> scale;    // [m]
  std::vector<int8_t> xq;      // [m, k]

  Reference(const Inputs& inputs, float threshold) : in(inputs) {
    const int64_t m = in.m, k = in.k;
    flag.assign(static_cast<size_t>(k), 0);
    for (int64_t j = 0; j < k; ++j) {  // a column holding a NaN is no outlier (octet.h)
      float cm = 0.0f;
      bool nan = false;
      for (int64_t r = 0; r < m; ++r) {
        const double v = from_bits(in.x[r * k + j], in.dtype);
        nan |= std::isnan(v);
        cm = std::max(cm, static_cast<float>(std::fabs(v)));
      }
      if (cm > threshold && !nan) flag[j] = 1, idx.push_back(static_cast<int>(j));
    }
    promoted = int64_t(idx.size()) > k / 32;  // octet.h: the promotion rule
    cols = idx;
    if (promoted) {
      cols.resize(static_cast<size_t>(k));
      for (int64_t j = 0; j < k; ++j) cols[j] = static_cast<int>(j), flag[j] = 1;
    }
    scale.resize(static_cast<size_t>(m));
    xq.resize(static_cast<size_t>(m * k));
    for (int64_t r = 0; r < m; ++r) {  // a row with a NaN or Inf regular value: scale NaN, xq 0
      float amax = 0.0f;
      bool finite = true;
      for (int64_t j = 0; j < k; ++j)
        if (!flag[j]) {
          const double v = from_bits(in.x[r * k + j], in.dtype);
          finite &= std::isfinite(v);
          amax = std::max(amax, static_cast<float>(std::fabs(v)));
        }
      scale[r] = finite ? octet::scale_from_absmax(amax) : NAN;
      for (int64_t j = 0; j < k; ++j)
        xq[r * k + j] = flag[j] || !finite
                            ? int8_t(0)
                            : octet::quantize_value(static_cast<float>(from_bits(in.x[r * k + j], in.dtype)), scale[r]);
    }
  }

  // Checks out[r, c]; returns false (printing the first few) when outside the tolerance.
  bool check(int64_t r, int64_t c, uint16_t got, int& reported) const {
    const int64_t k = in.k;
    int64_t acc = 0;
    for (int64_t j = 0; j < k; ++j) acc += int64_t(xq[r * k + j]) * int64_t(in.q[c * k + j]);
    const double ws = in.w_scale[c];
    double o = 0, a = 0;
    for (int j : cols) {
      const double p = from_bits(in.x[r * k + j], in.dtype) * double(in.q[c * k + j]);
      o += p;
      a += std::fabs(p);
    }
    o *= ws;
    a *= ws;
    const double bias = in.bias.empty() ? 0.0 : from_bits(in.bias[c], in.dtype);
    const double regular = double(acc) * double(scale[r]) * ws;
    const double ref = regular + o + bias;
    const double u = std::ldexp(1.0, -24);
    const double e_o = (double(cols.size()) + 1) * u * a;
    const double e_c = e_o + ulp(std::fabs(o) + e_o, in.dtype) / 2;
    const double e_src = e_c + 3 * u * (std::fabs(regular) + std::fabs(ref) + std::fabs(bias) + std::fabs(o) + e_c);
    const double steps = std::ceil(double(cols.size()) / 16);
    const double e_f = 2 * u * std::fabs(regular) + steps * 34 * u * (std::fabs(regular) + a);
    const double e_ml = e_f + 2 * u * (std::fabs(regular) + std::fabs(o) + std::fabs(ref) + e_f);
    const double e = std::max(e_src, e_ml);
    const double tol = e + ulp(std::fabs(ref) + e, in.dtype) / 2;
    const double g = from_bits(got, in.dtype);
    const bool ok = std::isnan(ref) ? std::isnan(g) : std::isfinite(g) && std::fabs(g - ref) <= tol;
    if (!ok && reported++ < 5)
      std::fprintf(stderr, "  out[%lld,%lld] = %.9g, reference %.9g (regular %.6g, outlier %.6g), tolerance %.3g\n",
                   (long long)r, (long long)c, g, ref, regular, o, tol);
    return ok;
  }
};

// The library's tensors for one input set on one context.
struct Operands {
  Tensor x, q, ws, bias, out, count;
  Operands(oct_context_t ctx, const Inputs& in)
      : x(ctx, in.dtype, {in.m, in.k}), q(ctx, OCT_DTYPE_INT8, {in.n, in.k}),
        ws(ctx, OCT_DTYPE_FP32, {in.n}), bias(ctx, in.dtype, {in.n}), out(ctx, in.dtype, {in.m, in.n}),
        count(ctx, OCT_DTYPE_INT32, {1}) {
    x.upload(in.x);
    q.upload(in.q);
    ws.upload(in.w_scale);
    if (!in.bias.empty()) bias.upload(in.bias);
  }
  oct_tensor_t bias_or_null(const Inputs& in) const { return in.bias.empty() ? nullptr : bias.t; }
};

inline int64_t workspace_bytes(int64_t m, int64_t n, int64_t k) {
  int64_t b = 0;
  OCT(oct_llm_int8_workspace_size(m, n, k, &b));
  return b;
}

// Every element when M*N*K is small, else all of rows 0 and M-1, columns 0 and N-1 and 4096
// random entries.
inline int check_output(const Inputs& in, const Reference& ref, const std::vector<uint16_t>& got,
                        uint64_t seed) {
  int bad = 0, reported = 0;
  if (double(in.m) * double(in.n) * double(in.k) <= 4e8) {
    for (int64_t r = 0; r < in.m; ++r)
      for (int64_t c = 0; c < in.n; ++c) bad += !ref.check(r, c, got[r * in.n + c], reported);
    return bad;
  }
  std::mt19937_64 rng(seed);
  std::vector<std::pair<int64_t, int64_t>> e;
  for (int64_t c = 0; c < in.n; ++c) e.push_back({0, c}), e.push_back({in.m - 1, c});
  for (int64_t r = 0; r < in.m; ++r) e.push_back({r, 0}), e.push_back({r, in.n - 1});
  for (int i = 0; i < 4096; ++i) e.push_back({int64_t(rng() % in.m), int64_t(rng() % in.n)});
  for (auto& [r, c] : e) bad += !ref.check(r, c, got[r * in.n + c], reported);
  return bad;
}

// One case: the library against the reference (outputs poisoned first), and the outlier count.
inline void run_case(oct_context_t ctx, oct_stream_t stream, int64_t m, int64_t n, int64_t k,
                     int outliers, bool with_bias, oct_dtype_t d, uint64_t seed,
                     Pattern pattern = kDense) {
  const Inputs in = make_inputs(m, n, k, outliers, with_bias, d, seed, pattern);
  const Reference ref(in, kThreshold);
  CHECK(ref.idx == in.planted);
  Operands t(ctx, in);
  Tensor ws(ctx, OCT_DTYPE_INT8, {workspace_bytes(m, n, k)});
  ws.poison();
  t.out.poison();
  t.count.poison();
  OCT(oct_linear_llm_int8(t.x.t, kThreshold, t.q.t, t.ws.t, t.bias_or_null(in), ws.t, t.out.t,
                          t.count.t, stream));
  OCT(oct_stream_synchronize(stream));
  const auto got = t.out.download<uint16_t>();
  const int bad = check_output(in, ref, got, seed + 1);
  const int32_t count = t.count.download<int32_t>()[0];
  if (bad || count != int32_t(ref.idx.size()))
    std::fprintf(stderr, "%s M=%lld N=%lld K=%lld outliers=%d bias=%d pattern=%d: %d outside tolerance, count %d (expected %zu)\n",
                 d == OCT_DTYPE_FP16 ? "fp16" : "bf16", (long long)m, (long long)n, (long long)k,
                 outliers, int(with_bias), int(pattern), bad, count, ref.idx.size());
  CHECK(bad == 0);
  CHECK(count == int32_t(ref.idx.size()));
}

// No outlier column (threshold above every |x|): bit-identical to oct_quantize_activations
// (dynamic per token) + oct_gemm_s8 on the same context.
inline void run_identity_case(oct_context_t ctx, oct_stream_t stream, int64_t m, int64_t n,
                              int64_t k, int planted, float threshold, oct_dtype_t d, uint64_t seed) {
  const Inputs in = make_inputs(m, n, k, planted, true, d, seed);
  Operands t(ctx, in);
  Tensor ws(ctx, OCT_DTYPE_INT8, {workspace_bytes(m, n, k)});
  Tensor xq(ctx, OCT_DTYPE_INT8, {m, k}), sc(ctx, OCT_DTYPE_FP32, {m}), w8a8(ctx, d, {m, n});
  ws.poison();
  t.out.poison();
  w8a8.poison();
  OCT(oct_linear_llm_int8(t.x.t, threshold, t.q.t, t.ws.t, t.bias.t, ws.t, t.out.t, t.count.t, stream));
  OCT(oct_quantize_activations(t.x.t, OCT_ACT_DYNAMIC_PER_TOKEN, nullptr, xq.t, sc.t, stream));
  OCT(oct_gemm_s8(xq.t, t.q.t, sc.t, t.ws.t, t.bias.t, w8a8.t, stream));
  OCT(oct_stream_synchronize(stream));
  const auto a = t.out.download<uint16_t>(), b = w8a8.download<uint16_t>();
  int64_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += a[i] != b[i];
  if (diff)
    std::fprintf(stderr, "identity M=%lld N=%lld K=%lld threshold %g: %lld of %zu outputs differ from W8A8\n",
                 (long long)m, (long long)n, (long long)k, threshold, (long long)diff, a.size());
  CHECK(diff == 0);
  CHECK(t.count.download<int32_t>()[0] == 0);
}

// More than K / 32 outlier columns: the promoted layer (every column an outlier). On CUDA it is
// oct_gemm_w8a16's per-channel result bit for bit (`exact`); on the CPU, which evaluates the
// decomposition's steps, within the reference's tolerance (run_case). Also checks the count.
inline void run_promoted_case(oct_context_t ctx, oct_stream_t stream, int64_t m, int64_t n,
                              int64_t k, int outliers, oct_dtype_t d, uint64_t seed) {
  const Inputs in = make_inputs(m, n, k, outliers, true, d, seed);
  const Reference ref(in, kThreshold);
  CHECK(ref.promoted == (outliers > k / 32));
  Operands t(ctx, in);
  Tensor ws(ctx, OCT_DTYPE_INT8, {workspace_bytes(m, n, k)}), w8a16(ctx, d, {m, n});
  ws.poison();
  t.out.poison();
  w8a16.poison();
  t.count.poison();
  OCT(oct_linear_llm_int8(t.x.t, kThreshold, t.q.t, t.ws.t, t.bias.t, ws.t, t.out.t, t.count.t, stream));
  OCT(oct_gemm_w8a16(t.x.t, t.q.t, t.ws.t, t.bias.t, w8a16.t, stream));
  OCT(oct_stream_synchronize(stream));
  const auto a = t.out.download<uint16_t>(), b = w8a16.download<uint16_t>();
  int64_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += a[i] != b[i];
  const bool want_same = ref.promoted;
  if ((diff == 0) != want_same)
    std::fprintf(stderr, "promotion M=%lld N=%lld K=%lld outliers=%d: %lld of %zu outputs differ from W8A16 (%s)\n",
                 (long long)m, (long long)n, (long long)k, outliers, (long long)diff, a.size(),
                 want_same ? "promoted: expected none" : "not promoted: expected some");
  CHECK((diff == 0) == want_same);
  CHECK(check_output(in, ref, a, seed + 1) == 0);
  CHECK(t.count.download<int32_t>()[0] == outliers);
}

// Planted outliers (8 of 4096 columns at 20..60): SQNR against the float matmul x * w^T, for
// LLM.int8() and for plain W8A8 per token. Returns {llm, w8a8} in dB.
inline std::pair<double, double> sqnr_case(oct_context_t ctx, oct_stream_t stream, int64_t m,
                                           int64_t n, oct_dtype_t d, uint64_t seed) {
  const int64_t k = 4096;
  const Inputs in = make_inputs(m, n, k, 8, false, d, seed);
  Operands t(ctx, in);
  Tensor ws(ctx, OCT_DTYPE_INT8, {workspace_bytes(m, n, k)});
  Tensor xq(ctx, OCT_DTYPE_INT8, {m, k}), sc(ctx, OCT_DTYPE_FP32, {m}), w8a8(ctx, d, {m, n});
  t.out.poison();
  w8a8.poison();
  OCT(oct_linear_llm_int8(t.x.t, kThreshold, t.q.t, t.ws.t, nullptr, ws.t, t.out.t, nullptr, stream));
  OCT(oct_quantize_activations(t.x.t, OCT_ACT_DYNAMIC_PER_TOKEN, nullptr, xq.t, sc.t, stream));
  OCT(oct_gemm_s8(xq.t, t.q.t, sc.t, t.ws.t, nullptr, w8a8.t, stream));
  OCT(oct_stream_synchronize(stream));
  const auto a = t.out.download<uint16_t>(), b = w8a8.download<uint16_t>();
  double sig = 0, na = 0, nb = 0;
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      double y = 0;
      for (int64_t j = 0; j < k; ++j) y += from_bits(in.x[r * k + j], d) * double(in.w[c * k + j]);
      sig += y * y;
      na += std::pow(y - from_bits(a[r * n + c], d), 2);
      nb += std::pow(y - from_bits(b[r * n + c], d), 2);
    }
  return {10 * std::log10(sig / na), 10 * std::log10(sig / nb)};
}

// Bad input gets INVALID_ARGUMENT (or the given status) with a message naming the argument.
inline void expect_error(oct_status_t got, oct_status_t want, const char* needle, const char* what) {
  const std::string msg = oct_last_error_message();
  const bool ok = got == want && msg.find(needle) != std::string::npos;
  if (!ok)
    std::fprintf(stderr, "bad input '%s': got %s (%s), wanted %s naming %s\n", what,
                 oct_status_string(got), msg.c_str(), oct_status_string(want), needle);
  CHECK(ok);
}

inline void bad_inputs(oct_context_t ctx) {
  const Inputs in = make_inputs(4, 16, 64, 2, true, OCT_DTYPE_FP16, 5);
  Operands t(ctx, in);
  Tensor ws(ctx, OCT_DTYPE_INT8, {workspace_bytes(4, 16, 64)});
  Tensor small(ctx, OCT_DTYPE_INT8, {workspace_bytes(4, 16, 64) - 1});
  Tensor q_bad(ctx, OCT_DTYPE_INT8, {16, 63}), ws_bad(ctx, OCT_DTYPE_FP32, {15});
  Tensor out_bf(ctx, OCT_DTYPE_BF16, {4, 16}), out_bad(ctx, OCT_DTYPE_FP16, {4, 17});
  Tensor count_bad(ctx, OCT_DTYPE_FP32, {1}), bias_bad(ctx, OCT_DTYPE_FP16, {15});
  auto run = [&](float th, oct_tensor_t q, oct_tensor_t s, oct_tensor_t b, oct_tensor_t w,
                 oct_tensor_t o, oct_tensor_t c) {
    return oct_linear_llm_int8(t.x.t, th, q, s, b, w, o, c, nullptr);
  };
  const auto I = OCT_STATUS_INVALID_ARGUMENT;
  expect_error(run(0.0f, t.q.t, t.ws.t, nullptr, ws.t, t.out.t, nullptr), I, "'threshold'", "threshold 0");
  expect_error(run(-1.0f, t.q.t, t.ws.t, nullptr, ws.t, t.out.t, nullptr), I, "'threshold'", "threshold -1");
  expect_error(run(NAN, t.q.t, t.ws.t, nullptr, ws.t, t.out.t, nullptr), I, "'threshold'", "threshold NaN");
  expect_error(run(INFINITY, t.q.t, t.ws.t, nullptr, ws.t, t.out.t, nullptr), I, "'threshold'", "threshold Inf");
  expect_error(run(6.0f, q_bad.t, t.ws.t, nullptr, ws.t, t.out.t, nullptr), I, "'q'", "q K mismatch");
  expect_error(run(6.0f, t.q.t, ws_bad.t, nullptr, ws.t, t.out.t, nullptr), I, "'w_scale'", "w_scale length");
  expect_error(run(6.0f, t.q.t, t.ws.t, bias_bad.t, ws.t, t.out.t, nullptr), I, "'bias'", "bias length");
  expect_error(run(6.0f, t.q.t, t.ws.t, nullptr, ws.t, out_bf.t, nullptr), I, "'out'", "out dtype");
  expect_error(run(6.0f, t.q.t, t.ws.t, nullptr, ws.t, out_bad.t, nullptr), I, "'out'", "out shape");
  expect_error(run(6.0f, t.q.t, t.ws.t, nullptr, small.t, t.out.t, nullptr), I, "'workspace'", "workspace too small");
  expect_error(run(6.0f, t.q.t, t.ws.t, nullptr, ws.t, t.out.t, count_bad.t), I, "'outlier_count'", "count dtype");
  expect_error(run(6.0f, nullptr, t.ws.t, nullptr, ws.t, t.out.t, nullptr), I, "'q'", "q NULL");
  int64_t bytes = 0;
  expect_error(oct_llm_int8_workspace_size(0, 16, 64, &bytes), I, "'m'", "workspace_size m = 0");
  expect_error(oct_llm_int8_workspace_size(4, 16, 64, nullptr), I, "'bytes'", "workspace_size NULL");
  expect_error(oct_llm_int8_workspace_size(4, 16, 200000, &bytes), OCT_STATUS_NOT_SUPPORTED, "K = 200000", "K too large");
}

}  // namespace llm_ref
