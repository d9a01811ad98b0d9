// Test-side reference of oct_gemm_s8, written independently of the library: int64 dot products
// and a float64 epilogue, plus the error bound that the fp32 epilogue and the output rounding
// allow. Shared by test_gemm_s8_cpu.cpp and test_gemm_s8_cuda.cpp.
//
// Tolerance (derived, per element). Let u = 2^-24 (fp32 unit roundoff), ref = acc*sa*sb + bias
// exactly (float64 here: its own error is ~2^-53 relative, negligible), P = |acc*sa*sb|.
// The library computes t = fl(fl(acc) * sb) and y = fl(sa * t + bias) (one fused multiply-add):
//   fl(acc):  relative error <= u (exact when |acc| <= 2^24)
//   t:        relative error <= u          -> |sa*t - acc*sa*sb| <= (2u + u^2) P
//   y:        one rounding of the fma      -> |y - (sa*t + bias)| <= u |sa*t + bias|
// so |y - ref| <= E = 2.0001u P + u (|ref| + 2.0001u P) <= 3u (P + |ref|). The rounding of y to
// fp16/bf16 adds at most half an ulp of the output type at |y| <= |ref| + E (an exact tie rounds
// either way, so <= is right). Total: |out - ref| <= E + ulp_out(|ref| + E) / 2. Where the
// reference itself lies beyond the output type's finite range the test instead requires Inf of
// the right sign (fp16 only; the test inputs keep bf16 far from overflow).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "common/numerics.hpp"
#include "octet/octet.h"

namespace gemm_ref {

struct Inputs {
  int64_t m, n, k;
  std::vector<int8_t> a, b;          // [m, k], [n, k]
  std::vector<float> a_scale;        // [m] or [1]
  std::vector<float> b_scale;        // [n] or [1]
  std::vector<uint16_t> bias;        // [n] in out's dtype bits, or empty
};

// Random int8 over the full range [-128, 127] (so extremes occur), scales around 1/127 * |x|
// of typical activations and weights, bias ~ N(0, 1) rounded to the output type.
inline Inputs make_inputs(int64_t m, int64_t n, int64_t k, bool a_per_row, bool b_per_col,
                          bool with_bias, oct_dtype_t out, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_real_distribution<float> scale(0.5f / 127, 2.0f / 127);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Inputs in{m, n, k, {}, {}, {}, {}, {}};
  in.a.resize(static_cast<size_t>(m * k));
  in.b.resize(static_cast<size_t>(n * k));
  for (auto& x : in.a) x = static_cast<int8_t>(byte(rng));
  for (auto& x : in.b) x = static_cast<int8_t>(byte(rng));
  // A dot product of uniform bytes has |acc| ~ 5400 sqrt(K); keep outputs near unit size.
  const float damp = 1.0f / std::sqrt(static_cast<float>(k));
  in.a_scale.resize(a_per_row ? static_cast<size_t>(m) : 1);
  in.b_scale.resize(b_per_col ? static_cast<size_t>(n) : 1);
  for (auto& s : in.a_scale) s = scale(rng);
  for (auto& s : in.b_scale) s = scale(rng) * damp;
  if (with_bias) {
    in.bias.resize(static_cast<size_t>(n));
    for (auto& h : in.bias) {
      const float v = normal(rng);
      h = out == OCT_DTYPE_FP16 ? octet::float_to_half(v) : octet::float_to_bf16(v);
    }
  }
  return in;
}

inline int64_t dot(const Inputs& in, int64_t m, int64_t n) {
  int64_t acc = 0;
  for (int64_t i = 0; i < in.k; ++i)
    acc += int64_t(in.a[m * in.k + i]) * int64_t(in.b[n * in.k + i]);
  return acc;
}

inline double out_to_double(uint16_t h, oct_dtype_t out) {
  return out == OCT_DTYPE_FP16 ? octet::half_to_float(h) : octet::bf16_to_float(h);
}

inline double bias_of(const Inputs& in, int64_t n, oct_dtype_t out) {
  return in.bias.empty() ? 0.0 : out_to_double(in.bias[n], out);
}

// Exact value of the epilogue for accumulator `acc` (float64; the products of an int below 2^31
// and two floats are exact in ~80 bits, float64 rounds them once at 2^-53).
inline double epilogue(const Inputs& in, int64_t m, int64_t n, int64_t acc, oct_dtype_t out) {
  const double sa = in.a_scale[in.a_scale.size() == 1 ? 0 : m];
  const double sb = in.b_scale[in.b_scale.size() == 1 ? 0 : n];
  return double(acc) * sa * sb + bias_of(in, n, out);
}

inline double ulp(double x, oct_dtype_t out) {
  const int mant = out == OCT_DTYPE_FP16 ? 10 : 7;
  const int emin = out == OCT_DTYPE_FP16 ? -14 : -126;
  x = std::fabs(x);
  int e = x > 0 ? std::ilogb(x) : emin;
  if (e < emin) e = emin;
  return std::ldexp(1.0, e - mant);
}

inline double tolerance(const Inputs& in, int64_t m, int64_t n, int64_t acc, oct_dtype_t out) {
  const double u = std::ldexp(1.0, -24);
  const double sa = in.a_scale[in.a_scale.size() == 1 ? 0 : m];
  const double sb = in.b_scale[in.b_scale.size() == 1 ? 0 : n];
  const double p = std::fabs(double(acc) * sa * sb);
  const double ref = std::fabs(epilogue(in, m, n, acc, out));
  const double e = 3 * u * (p + ref);
  return e + ulp(ref + e, out) / 2;
}

// Checks one output element; returns false (and prints the first few) when out of tolerance.
inline bool check_element(const Inputs& in, int64_t m, int64_t n, int64_t acc, uint16_t got,
                          oct_dtype_t out, int& reported) {
  const double ref = epilogue(in, m, n, acc, out);
  const double g = out_to_double(got, out);
  const double max_finite = out == OCT_DTYPE_FP16 ? 65504.0 : 3.3895313892515355e38;
  bool ok;
  const bool near = std::isfinite(g) && std::fabs(g - ref) <= tolerance(in, m, n, acc, out);
  if (std::fabs(ref) > max_finite)  // beyond the largest finite value: Inf, or it rounded down
    ok = near || (std::isinf(g) && (g > 0) == (ref > 0));
  else
    ok = near;
  if (!ok && reported++ < 5)
    std::fprintf(stderr, "  out[%lld,%lld] = %.9g, reference %.9g (acc %lld), tolerance %.3g\n",
                 (long long)m, (long long)n, g, ref, (long long)acc,
                 tolerance(in, m, n, acc, out));
  return ok;
}

}  // namespace gemm_ref
