// Shared by the W8A16 tests: random problems, a float64 reference that multiplies by the
// dequantized weight, and the tolerance every backend must meet.
//
// Tolerance. The reference is exact up to double rounding: ref = sum_k x[k] q[k] s[k] (+ b).
// A backend forms each product exactly (x is fp16/bf16, q an exact small integer) and adds them in
// fp32 along chains whose depth is at most D = K/8 + G + 16 on every backend (CPU: K/8 per lane,
// 3 to combine lanes, G group additions, scale and bias; skinny GPU kernel: 4 mma steps per
// chunk over K/512 chunks plus 8 warps; GEMM: 4 steps per chunk over K/64 chunks). We budget
// one fp32 ulp (2^-23, which also covers truncating tensor-core adders) per addition in a chain,
// so the accumulated sum acc satisfies
//   |acc - ref| <= E = D * 2^-23 * sum_k |x[k] q[k] s[k]| + 2^-24 |b|.
// The output is acc rounded once to fp16 (unit roundoff u = 2^-11) or bf16 (u = 2^-8):
//   |out - ref| <= u |ref| + (1 + u) E + the smallest subnormal of the dtype.
// A lost 16-input slice or a wrong scale is an error of about sqrt(16) sigma_x sigma_w, far
// above E (about 0.17 sigma_x sigma_w at K = 4096).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/numerics.hpp"
#include "harness.hpp"

namespace w8a16 {

struct Problem {
  int64_t m, n, k, group;  // group: K for per channel
  oct_dtype_t dtype;       // of x, bias and out
  bool bias;
  std::vector<uint16_t> x, b;  // raw fp16/bf16 bits
  std::vector<int8_t> q;
  std::vector<float> s;  // [N, K / group]
  int64_t groups() const { return k / group; }
};

inline float to_float(oct_dtype_t d, uint16_t h) {
  return d == OCT_DTYPE_FP16 ? octet::half_to_float(h) : octet::bf16_to_float(h);
}
inline uint16_t from_float(oct_dtype_t d, float f) {
  return d == OCT_DTYPE_FP16 ? octet::float_to_half(f) : octet::float_to_bf16(f);
}

inline Problem make_problem(int64_t m, int64_t n, int64_t k, int64_t group, oct_dtype_t dtype,
                            bool bias, uint64_t seed) {
  Problem p{m, n, k, group == 0 ? k : group, dtype, bias, {}, {}, {}, {}};
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> sd(0.5f, 1.5f);
  p.x.resize(static_cast<size_t>(m * k));
  for (auto& v : p.x) v = from_float(dtype, normal(rng));
  p.q.resize(static_cast<size_t>(n * k));
  for (size_t i = 0; i < p.q.size(); i += 8) {  // 8 int8 in [-127, 127] per draw (fast)
    uint64_t r = rng();
    for (size_t j = i; j < i + 8 && j < p.q.size(); ++j, r >>= 8)
      p.q[j] = static_cast<int8_t>(static_cast<int>(r & 0xff) % 255 - 127);
  }
  p.s.resize(static_cast<size_t>(n * p.groups()));
  for (auto& v : p.s) v = sd(rng) / 127.0f;  // weights of about unit size
  if (bias) {
    p.b.resize(static_cast<size_t>(n));
    for (auto& v : p.b) v = from_float(dtype, normal(rng));
  }
  return p;
}

// Runs the problem on `ctx` (outputs poisoned first); returns out's raw bits.
inline std::vector<uint16_t> run(oct_context_t ctx, const Problem& p) {
  harness::Tensor x(ctx, p.dtype, {p.m, p.k}), q(ctx, OCT_DTYPE_INT8, {p.n, p.k}),
      out(ctx, p.dtype, {p.m, p.n});
  std::vector<int64_t> sshape = p.group == p.k ? std::vector<int64_t>{p.n}
                                               : std::vector<int64_t>{p.n, p.groups()};
  harness::Tensor s(ctx, OCT_DTYPE_FP32, sshape);
  harness::Tensor b(ctx, p.dtype, {p.n});
  x.upload(p.x);
  q.upload(p.q);
  s.upload(p.s);
  if (p.bias) b.upload(p.b);
  // Poisoned with NaN (0xFFFF in fp16 and bf16): inputs are finite, so any non-finite output
  // was never written.
  out.upload(std::vector<uint16_t>(static_cast<size_t>(p.m * p.n), 0xFFFFu));
  OCT(oct_gemm_w8a16(x.t, q.t, s.t, p.bias ? b.t : nullptr, out.t, nullptr));
  return out.download<uint16_t>();
}

// Checks rows `rows` of `got` against the float64 reference; returns the number of failures
// (each of the first few is printed with the case).
inline int check(const Problem& p, const std::vector<uint16_t>& got, const std::vector<int64_t>& rows,
                 const char* what) {
  const double u = p.dtype == OCT_DTYPE_FP16 ? 0x1p-11 : 0x1p-8;
  const double tiny = p.dtype == OCT_DTYPE_FP16 ? 0x1p-24 : 0x1p-133;
  const double depth = static_cast<double>(p.k / 8 + p.groups() + 16);
  std::vector<double> w(static_cast<size_t>(p.k));
  std::vector<std::vector<double>> xr;  // the checked rows of x, as doubles
  for (int64_t m : rows) {
    xr.emplace_back(static_cast<size_t>(p.k));
    for (int64_t k = 0; k < p.k; ++k) xr.back()[k] = to_float(p.dtype, p.x[m * p.k + k]);
  }
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(to_float(p.dtype, got[i]))) {
      if (bad < 5)
        std::fprintf(stderr, "  %s: [M %lld N %lld K %lld] out[%zu] not written (or not finite)\n",
                     what, (long long)p.m, (long long)p.n, (long long)p.k, i);
      ++bad;
    }
  }
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t k = 0; k < p.k; ++k)
      w[k] = static_cast<double>(p.q[n * p.k + k]) * p.s[n * p.groups() + k / p.group];
    const double bias = p.bias ? to_float(p.dtype, p.b[n]) : 0.0;
    for (size_t r = 0; r < rows.size(); ++r) {
      const int64_t m = rows[r];
      const double* xm = xr[r].data();
      double ref = 0.0, mag = 0.0;
      for (int64_t k = 0; k < p.k; ++k) {
        const double t = xm[k] * w[k];
        ref += t;
        mag += std::fabs(t);
      }
      ref += bias;
      const double e = depth * 0x1p-23 * mag + 0x1p-24 * std::fabs(bias);
      const double tol = u * std::fabs(ref) + (1.0 + u) * e + tiny;
      const double v = to_float(p.dtype, got[m * p.n + n]);
      const double err = std::fabs(v - ref);
      if (!(err <= tol)) {
        if (bad < 5)
          std::fprintf(stderr,
                       "  %s: [M %lld N %lld K %lld group %lld %s bias %d] out[%lld,%lld] = %.8g, "
                       "reference %.8g, |err| %.3g > tol %.3g\n",
                       what, (long long)p.m, (long long)p.n, (long long)p.k, (long long)p.group,
                       p.dtype == OCT_DTYPE_FP16 ? "fp16" : "bf16", p.bias ? 1 : 0, (long long)m,
                       (long long)n, v, ref, err, tol);
        ++bad;
      }
    }
  }
  return bad;
}

// All rows up to 24; else 24 rows that include the first, the last and tile edges.
inline std::vector<int64_t> rows_to_check(int64_t m, uint64_t seed) {
  std::vector<int64_t> rows;
  if (m <= 24) {
    for (int64_t i = 0; i < m; ++i) rows.push_back(i);
    return rows;
  }
  for (int64_t r : {int64_t(0), int64_t(1), int64_t(15), int64_t(16), int64_t(63), int64_t(64),
                    int64_t(127), int64_t(128), int64_t(255), int64_t(256), m - 2, m - 1})
    if (r < m) rows.push_back(r);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> pick(0, m - 1);
  while (rows.size() < 24) rows.push_back(pick(rng));
  return rows;
}

}  // namespace w8a16
