// CPU reference of the int8 GEMM: exact int32 dot products over K (both operands are K-major),
// blocked so that a panel of b stays in cache while rows of a stream past it, then the epilogue
// of octet.h (common/gemm_s8.hpp; with the internal source term c when given) and one rounding
// to the output dtype.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "backends.hpp"
#include "common/error.hpp"
#include "common/gemm_s8.hpp"
#include "common/numerics.hpp"

namespace octet::cpu {
namespace {

// Exact: |a*b| <= 2^14 and K <= kGemmS8MaxK keep every partial sum inside int32.
inline int32_t dot_s8(const int8_t* a, const int8_t* b, int64_t k) {
  int32_t acc = 0;
  for (int64_t i = 0; i < k; ++i) acc += int32_t(a[i]) * int32_t(b[i]);
  return acc;
}

}  // namespace

void gemm_s8(const GemmS8Problem& p) {
  // A panel of b (kPanel rows of K bytes) is reused by every row of a.
  const int64_t panel = std::max<int64_t>(1, std::min<int64_t>(p.n, (256 * 1024) / p.k));
  for (int64_t n0 = 0; n0 < p.n; n0 += panel) {
    const int64_t n1 = std::min(p.n, n0 + panel);
    for (int64_t m = 0; m < p.m; ++m) {
      const int8_t* arow = p.a + m * p.k;
      const float as = p.raw() ? 0.0f : p.a_scale[p.a_per_row ? m : 0];
      for (int64_t n = n0; n < n1; ++n) {
        const int32_t acc = dot_s8(arow, p.b + n * p.k, p.k);
        const int64_t o = m * p.n + n;
        switch (p.out_dtype) {
          case OCT_DTYPE_INT32:
            static_cast<int32_t*>(p.out)[o] = acc;
            break;
          case OCT_DTYPE_FP16: {
            const float bias = p.bias ? half_to_float(static_cast<const uint16_t*>(p.bias)[n]) : 0.0f;
            const float bs = p.b_scale[p.b_per_col ? n : 0];
            const float y =
                p.c ? gemm_s8_epilogue_src(acc, as, bs, bias, half_to_float(static_cast<const uint16_t*>(p.c)[o]))
                    : gemm_s8_epilogue(acc, as, bs, bias);
            static_cast<uint16_t*>(p.out)[o] = float_to_half(y);
            break;
          }
          case OCT_DTYPE_BF16: {
            const float bias = p.bias ? bf16_to_float(static_cast<const uint16_t*>(p.bias)[n]) : 0.0f;
            const float bs = p.b_scale[p.b_per_col ? n : 0];
            const float y =
                p.c ? gemm_s8_epilogue_src(acc, as, bs, bias, bf16_to_float(static_cast<const uint16_t*>(p.c)[o]))
                    : gemm_s8_epilogue(acc, as, bs, bias);
            static_cast<uint16_t*>(p.out)[o] = float_to_bf16(y);
            break;
          }
          default:
            fail(OCT_STATUS_INTERNAL, "gemm_s8: unexpected out dtype %s", dtype_name(p.out_dtype));
        }
      }
    }
  }
}

}  // namespace octet::cpu
