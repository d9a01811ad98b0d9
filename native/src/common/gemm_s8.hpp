// The int8 GEMM problem as the backends see it (validated by api/gemm_s8.cpp), and its epilogue
// arithmetic, shared by the CPU backend, the CUDA kernels and the native tests so that they agree.
#pragma once

#include <cmath>
#include <cstdint>

#include "common/numerics.hpp"
#include "octet/octet.h"

namespace octet {

// Largest K for which the int32 accumulation cannot overflow: K * 128 * 128 <= INT32_MAX.
constexpr int64_t kGemmS8MaxK = 131071;

struct GemmS8Problem {
  int64_t m = 0, n = 0, k = 0;
  const int8_t* a = nullptr;       // [m, k] row-major
  const int8_t* b = nullptr;       // [n, k] row-major (K-major)
  const float* a_scale = nullptr;  // [m] or [1]; null in raw mode
  const float* b_scale = nullptr;  // [n] or [1]; null in raw mode
  bool a_per_row = false;          // a_scale has m entries (else one, broadcast)
  bool b_per_col = false;          // b_scale has n entries (else one, broadcast)
  const void* bias = nullptr;      // [n] of out_dtype, or null
  void* out = nullptr;             // [m, n] row-major
  // Internal (never set by oct_gemm_s8): an addend c [m, n] of out_dtype, row-major, entering the
  // epilogue beside the bias (LLM.int8()'s outlier part). Needs the scaled mode.
  const void* c = nullptr;
  oct_dtype_t out_dtype = OCT_DTYPE_INT32;  // INT32 (raw), FP16 or BF16
  // Internal: LLM.int8()'s outlier count (device memory), with c or the outlier operands below.
  const int32_t* c_count = nullptr;
  // Internal, with c and c_count: LLM.int8()'s gathered outlier columns. A kernel that can
  // computes the outlier part itself and never reads c: the decode kernel
  // (int8_gemm::source_route == kComputed), c[m,n] = round(b_scale[n] * sum_{i < *c_count}
  // outlier_x[m, i] * b[n, outlier_idx[i]]) in fp32 rounded to out_dtype as common/llm_int8.hpp
  // defines it; the sm90 kernels (kMainloop), from outlier_x and outlier_w in their main loop
  // (common/llm_int8.hpp gives that arithmetic).
  const void* outlier_x = nullptr;        // [m, outlier_ld] of out_dtype
  const int32_t* outlier_idx = nullptr;   // [*c_count]
  const void* outlier_w = nullptr;        // [n, outlier_ld] of out_dtype: b[:, outlier_idx] (kMainloop)
  int64_t outlier_ld = 0;                 // a multiple of 128; zero-filled past *c_count to a multiple of 32
  // Internal, with c_count: LLM.int8()'s promotion (common/llm_int8.hpp). When promote_x is set
  // and *c_count > promote_above, the layer is the W8A16 product of promote_x ([m, k] of
  // out_dtype) and b with the per-channel b_scale (and bias), which LLM.int8() enqueues after this
  // GEMM: the sm90 outlier kernels then do nothing, and the decode kernel computes that product
  // itself (its W8A16 branch) instead of the decomposition. Other kernels compute the regular
  // part as usual (overwritten).
  const void* promote_x = nullptr;
  int64_t promote_above = 0;

  bool raw() const { return out_dtype == OCT_DTYPE_INT32; }
};

// The dequantizing epilogue in fp32, in the order documented in octet.h:
//   t = (float)acc * b_scale;  y = fmaf(a_scale, t, bias).
OCT_HD float gemm_s8_epilogue(int32_t acc, float a_scale, float b_scale, float bias) {
  const float t = static_cast<float>(acc) * b_scale;
  return fmaf(a_scale, t, bias);
}

// The same with a source term c (already rounded to the output dtype, read back as fp32):
//   t = (float)acc * b_scale;  y = fmaf(a_scale, t, bias + c)   (bias + c: one fp32 addition).
// With c = +0 this equals gemm_s8_epilogue bit for bit (bias + 0 == bias, and a -0 bias can only
// differ where a_scale * t is -0, which positive scales never give).
OCT_HD float gemm_s8_epilogue_src(int32_t acc, float a_scale, float b_scale, float bias, float c) {
  const float t = static_cast<float>(acc) * b_scale;
  return fmaf(a_scale, t, bias + c);
}

}  // namespace octet
