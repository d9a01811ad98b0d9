// CPU reference of LLM.int8() (common/llm_int8.hpp): the same decomposition as the CUDA kernels,
// step by step and readable first, in the caller's workspace (the same layout as on the GPU).
// The outlier part sums over the outlier columns in ascending order.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "backends.hpp"
#include "common/gemm_s8.hpp"
#include "common/llm_int8.hpp"
#include "common/numerics.hpp"

namespace octet::cpu {
namespace {

struct Io {
  oct_dtype_t dtype;
  float load(const void* p, int64_t i) const {
    const uint16_t h = static_cast<const uint16_t*>(p)[i];
    return dtype == OCT_DTYPE_FP16 ? half_to_float(h) : bf16_to_float(h);
  }
  uint16_t store(float v) const {
    return dtype == OCT_DTYPE_FP16 ? float_to_half(v) : float_to_bf16(v);
  }
};

}  // namespace

void linear_llm_int8(const LlmInt8Problem& p) {
  const Io io{p.dtype};
  const LlmInt8Layout l = LlmInt8Layout::of(p.m, p.n, p.k);
  auto* colmax = reinterpret_cast<float*>(p.workspace + l.colmax);
  auto* idx = reinterpret_cast<int32_t*>(p.workspace + l.idx);
  auto* scale = reinterpret_cast<float*>(p.workspace + l.scale);
  auto* xq = reinterpret_cast<int8_t*>(p.workspace + l.xq);
  auto* c = reinterpret_cast<uint16_t*>(p.workspace + l.c);

  // 1. Outlier columns: max_m |x[m,j]| > threshold (a NaN makes the column's max NaN: no outlier).
  for (int64_t j = 0; j < p.k; ++j) colmax[j] = 0.0f;
  for (int64_t m = 0; m < p.m; ++m)
    for (int64_t j = 0; j < p.k; ++j) {
      const float a = std::fabs(io.load(p.x, m * p.k + j));
      if (std::isnan(a) || std::isnan(colmax[j]))
        colmax[j] = NAN;
      else
        colmax[j] = std::fmax(colmax[j], a);
    }
  int32_t over = 0;  // columns over the threshold (what outlier_count reports)
  for (int64_t j = 0; j < p.k; ++j)
    if (colmax[j] > p.threshold) idx[over++] = static_cast<int32_t>(j);
  // Promoted (more than K / 32 of them): every column is an outlier, the regular part is empty.
  const bool promoted = over > llm_int8_promote_above(p.k);
  const int32_t count = promoted ? static_cast<int32_t>(p.k) : over;
  if (promoted)
    for (int64_t j = 0; j < p.k; ++j) idx[j] = static_cast<int32_t>(j);
  auto outlier = [&](int64_t j) { return promoted || colmax[j] > p.threshold; };

  // 2. Regular part: per-token quantization over the non-outlier columns, outliers zeroed.
  for (int64_t m = 0; m < p.m; ++m) {
    float amax = 0.0f;
    for (int64_t j = 0; j < p.k; ++j) {
      if (outlier(j)) continue;
      const float v = io.load(p.x, m * p.k + j);
      amax = std::isfinite(v) ? std::fmax(amax, std::fabs(v)) : INFINITY;
      if (std::isinf(amax)) break;
    }
    const float s = activation_scale(amax);
    scale[m] = s;
    for (int64_t j = 0; j < p.k; ++j)
      xq[m * p.k + j] = (outlier(j) || std::isnan(s)) ? int8_t(0)
                                                       : quantize_value(io.load(p.x, m * p.k + j), s);
  }

  // 3. Outlier part: o = w_scale[n] * sum_i x[m, idx_i] * q[n, idx_i] in fp32, rounded to the
  //    output dtype (the int8 GEMM's source term).
  for (int64_t m = 0; m < p.m; ++m)
    for (int64_t n = 0; n < p.n; ++n) {
      float acc = 0.0f;
      for (int32_t i = 0; i < count; ++i)
        acc += io.load(p.x, m * p.k + idx[i]) * static_cast<float>(p.q[n * p.k + idx[i]]);
      c[m * p.n + n] = io.store(acc * p.w_scale[n]);
    }

  // 4. out = the int8 GEMM of the regular part, with the outlier part as its source term.
  gemm_s8(regular_part_gemm(p, xq, scale, c));
  if (p.outlier_count) *p.outlier_count = over;
}

}  // namespace octet::cpu
