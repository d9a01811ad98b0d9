// CPU reference backend: the weight-only INT8 linear layer (W8A16), in fp32.
//
// For every output (m, n), in this order:
//   for each group g of `group` consecutive inputs (the whole row, per channel), in order of k:
//     partial = the sum over the group of x[m,k] * q[n,k], in fp32 (each product is exact), kept
//               as 8 running sums over k = 0..7 (mod 8) in increasing k, then combined as
//               ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
//     acc     = acc + partial * scale[n,g]          (fp32; acc starts at 0)
//   out[m,n] = round_to_nearest_even(acc + bias[n])  in x's dtype (one rounding)
// The 8 lanes make the loop vectorisable and the order fixed, so results are reproducible.
#include <cstdint>
#include <vector>

#include "backends.hpp"
#include "common/error.hpp"
#include "common/numerics.hpp"

namespace octet::cpu {
namespace {

float load_half(oct_dtype_t dtype, uint16_t bits) {
  return dtype == OCT_DTYPE_FP16 ? half_to_float(bits) : bf16_to_float(bits);
}

uint16_t store_half(oct_dtype_t dtype, float v) {
  return dtype == OCT_DTYPE_FP16 ? float_to_half(v) : float_to_bf16(v);
}

// Sum of a[i] * b[i] over i < n (n % 8 == 0) in the documented 8-lane order.
float dot8(const float* a, const float* b, int64_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < n; i += 8)
    for (int l = 0; l < 8; ++l) s[l] += a[i + l] * b[i + l];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

}  // namespace

void gemm_w8a16(const oct_tensor& x, const oct_tensor& q, const oct_tensor& scales,
                int64_t group, const oct_tensor* bias, oct_tensor& out) {
  const int64_t m_rows = x.shape[0], k = x.shape[1], n_rows = q.shape[0], groups = k / group;
  if (group % 8 != 0) fail(OCT_STATUS_INTERNAL, "cpu gemm_w8a16: group %lld is not a multiple of 8", (long long)group);
  const auto* xd = static_cast<const uint16_t*>(x.data);
  const auto* qd = static_cast<const int8_t*>(q.data);
  const auto* sd = static_cast<const float*>(scales.data);
  const auto* bd = bias != nullptr ? static_cast<const uint16_t*>(bias->data) : nullptr;
  auto* od = static_cast<uint16_t*>(out.data);

  std::vector<float> xf(static_cast<size_t>(m_rows * k)), qf(static_cast<size_t>(k));
  for (int64_t i = 0; i < m_rows * k; ++i) xf[i] = load_half(x.dtype, xd[i]);
  for (int64_t n = 0; n < n_rows; ++n) {
    for (int64_t i = 0; i < k; ++i) qf[i] = static_cast<float>(qd[n * k + i]);
    const float b = bd != nullptr ? load_half(x.dtype, bd[n]) : 0.0f;
    for (int64_t m = 0; m < m_rows; ++m) {
      float acc = 0.0f;
      for (int64_t g = 0; g < groups; ++g)
        acc += dot8(&xf[m * k + g * group], &qf[g * group], group) * sd[n * groups + g];
      od[m * n_rows + n] = store_half(out.dtype, acc + b);
    }
  }
}

}  // namespace octet::cpu
