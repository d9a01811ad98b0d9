// LLM.int8() (Dettmers et al. 2022) as the backends see it: the problem (validated by
// api/llm_int8.cpp), the workspace layout shared by every backend, and the scalar rules that make
// the backends agree. The decomposition, for x [M, K] and a per-channel int8 weight (q, w_scale):
//
//   colmax[j]  = max_m |x[m,j]|              (NaN if the column holds a NaN, +Inf if an Inf)
//   outlier(j) = colmax[j] > threshold       (a NaN column is not an outlier)
//   idx        = the outlier columns in ascending order, count = their number (0..K)
//   promoted   = count > promote_above(K) (more than K / 32 outlier columns): then every column
//              is taken as an outlier (idx = 0..K-1, the regular part empty), so that with many
//              outliers the layer costs one fp16/bf16 product, not that and an int8 one
//   regular:   per token m, absmax over the non-outlier columns (a non-finite value there: scale
//              NaN and xq = 0, as in oct_quantize_activations); xq[m,j] = 0 for an outlier j,
//              else quantize_value(x[m,j], scale[m]); acc = sum_j xq[m,j] * q[n,j] (int32, exact)
//   outlier:   o[m,n] = w_scale[n] * sum_i x[m,idx[i]] * q[n,idx[i]]   (fp32: every product is
//              exact, q entering as an exact fp16/bf16 integer; the order of the additions is the
//              backend's); c[m,n] = o rounded to out's dtype (the int8 GEMM's source term)
//   out[m,n]   = round(fmaf(scale[m], (float)acc * w_scale[n], bias[n] + c[m,n]))
//              (common/gemm_s8.hpp: gemm_s8_epilogue_src)
// except on sm_90 past decode sizes, where the int8 GEMM's main loop adds the outlier part to the
// dequantized accumulator itself (no c; cuda/int8_gemm/outlier_sm90.cuh):
//   F[m,n]     = (float)acc * scale[m] + sum_i x[m,idx[i]] * q[n,idx[i]]   (fp32, the tensor
//              cores' order and rounding)
//   out[m,n]   = round(fmaf(1, w_scale[n] * F[m,n], bias[n]))
//
// With no outlier, c = +0 and xq/scale are oct_quantize_activations' per-token results, so out
// equals the W8A8 path (quantize per token, oct_gemm_s8) bit for bit.
#pragma once

#include <cstdint>

#include "common/error.hpp"
#include "common/gemm_s8.hpp"
#include "octet/octet.h"

namespace octet {

// Past K / kLlmInt8PromoteDivisor outlier columns the decomposition is promoted: every column is
// an outlier (see the top of this file). The CUDA backend then runs the layer as oct_gemm_w8a16
// does (per channel); the measured crossover on an H100 is in docs/perf-notes-llm-int8.md.
constexpr int64_t kLlmInt8PromoteDivisor = 32;
OCT_HD int64_t llm_int8_promote_above(int64_t k) { return k / kLlmInt8PromoteDivisor; }

// The outlier part's K step: xo and wo hold the gathered columns zero-padded to a multiple of it
// (the decode kernel's and the portable outlier GEMM's step; the sm90 int8 GEMM's MMA steps of 16
// divide it).
constexpr int64_t kLlmInt8KStep = 32;
// Rows of xo and wo are K rounded up to this: the sm90 int8 GEMM loads them in TMA blocks of up to
// 128 columns (cuda/int8_gemm/outlier_sm90.cuh), multiplying only the steps that hold outliers.
constexpr int64_t kLlmInt8RowAlign = 128;

struct LlmInt8Problem {
  int64_t m = 0, n = 0, k = 0;
  oct_dtype_t dtype = OCT_DTYPE_FP16;  // x, bias, out (and the source term c)
  const void* x = nullptr;             // [m, k]
  float threshold = 6.0f;
  const int8_t* q = nullptr;           // [n, k]
  const float* w_scale = nullptr;      // [n]
  const void* bias = nullptr;          // [n] or null
  void* out = nullptr;                 // [m, n]
  int32_t* outlier_count = nullptr;    // [1] or null
  uint8_t* workspace = nullptr;        // LlmInt8Layout::bytes, 16-byte aligned
};

// Byte offsets into the workspace. Every region starts at a multiple of 256 bytes from its start.
struct LlmInt8Layout {
  int64_t k_pad = 0;         // row stride of xo and wo: K rounded up to kLlmInt8RowAlign
  int64_t state = 0;         // int32 [2]: [0] the fused prep's grid barrier, [1] count
  int64_t colmax = 0;        // fp32 [K]: the column maxima (CPU); the flag words (CUDA: outlier
                             // candidates, then NaN, one bit per column: 2 * ceil(K / 32) words)
  int64_t idx = 0;           // int32 [K]: the outlier columns, ascending
  int64_t scale = 0;         // fp32 [M]: per-token scales of the regular part
  int64_t xq = 0;            // int8 [M, K]: the regular part, quantized
  int64_t xo = 0;            // x dtype [M, k_pad]: x[:, idx], zero-padded
  int64_t wo = 0;            // [N, k_pad]: q[:, idx], zero-padded; int8, or x dtype (exact
                             // integers) where the sm90 int8 GEMM reads it (2 bytes reserved)
  int64_t c = 0;             // x dtype [M, N]: the outlier part, the int8 GEMM's source term
  int64_t bytes = 0;         // total

  static int64_t align(int64_t v) { return (v + 255) / 256 * 256; }

  // Throws NOT_SUPPORTED when the sizes overflow int64 (shapes come validated: 1 <= m, n, k).
  static LlmInt8Layout of(int64_t m, int64_t n, int64_t k) {
    auto mul = [](int64_t a, int64_t b) {
      int64_t r;
      if (__builtin_mul_overflow(a, b, &r))
        fail(OCT_STATUS_NOT_SUPPORTED, "LLM.int8() workspace size overflows int64 (%lld x %lld)",
             (long long)a, (long long)b);
      return r;
    };
    auto at = [&](int64_t off, int64_t size) {
      int64_t r;
      if (__builtin_add_overflow(off, size, &r) || r > INT64_MAX - 256)
        fail(OCT_STATUS_NOT_SUPPORTED, "LLM.int8() workspace size overflows int64");
      return align(r);
    };
    LlmInt8Layout l;
    l.k_pad = (k + kLlmInt8RowAlign - 1) / kLlmInt8RowAlign * kLlmInt8RowAlign;
    l.state = 0;
    l.colmax = 256;
    l.idx = at(l.colmax, mul(k, 4));
    l.scale = at(l.idx, mul(k, 4));
    l.xq = at(l.scale, mul(m, 4));
    l.xo = at(l.xq, mul(m, k));
    l.wo = at(l.xo, mul(mul(m, l.k_pad), 2));
    l.c = at(l.wo, mul(mul(n, l.k_pad), 2));
    l.bytes = at(l.c, mul(mul(m, n), 2));
    return l;
  }
};

// Step 4 of both backends: the int8 GEMM of the regular part, xq [M, K] with its per-token
// scales times q with the per-channel w_scale, plus bias, and the outlier part c (out's dtype,
// [M, N]) as the epilogue's source term.
inline GemmS8Problem regular_part_gemm(const LlmInt8Problem& p, const int8_t* xq,
                                       const float* scales, const void* c) {
  GemmS8Problem g;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.a = xq;
  g.b = p.q;
  g.a_scale = scales;
  g.b_scale = p.w_scale;
  g.a_per_row = true;
  g.b_per_col = true;
  g.bias = p.bias;
  g.c = c;
  g.out = p.out;
  g.out_dtype = p.dtype;
  return g;
}

}  // namespace octet
