// CPU reference backend: INT8 activation quantization (dynamic per token, dynamic per tensor,
// static per tensor), with an optional per-channel multiplier. See octet.h for the definition.
#include <cmath>
#include <cstdint>
#include <vector>

#include "backends.hpp"
#include "common/error.hpp"
#include "common/numerics.hpp"

namespace octet::cpu {
namespace {

float load(const oct_tensor& x, int64_t i) {
  const auto* p = static_cast<const uint16_t*>(x.data);
  return x.dtype == OCT_DTYPE_FP16 ? half_to_float(p[i]) : bf16_to_float(p[i]);
}

// max |v| over [begin, end) of row-major x, with v = x * smooth[k]; +Inf if any v is not finite.
float absmax(const oct_tensor& x, const float* smooth, int64_t begin, int64_t end, int64_t cols) {
  float m = 0.0f;
  for (int64_t i = begin; i < end; ++i) {
    float v = load(x, i) * (smooth ? smooth[i % cols] : 1.0f);
    m = std::isfinite(v) ? std::fmax(m, std::fabs(v)) : INFINITY;
    if (std::isinf(m)) return m;
  }
  return m;
}

}  // namespace

void quantize_activations(const oct_tensor& x, oct_act_scheme_t scheme, const float* smooth,
                          oct_tensor& xq, oct_tensor& scales) {
  const int64_t rows = x.shape[0], cols = x.shape[1];
  auto* q = static_cast<int8_t*>(xq.data);
  auto* s = static_cast<float*>(scales.data);
  auto quantize_range = [&](int64_t begin, int64_t end, float scale, bool is_static) {
    for (int64_t i = begin; i < end; ++i) {
      float v = load(x, i) * (smooth ? smooth[i % cols] : 1.0f);
      if (std::isnan(scale)) {
        q[i] = 0;
      } else if (is_static && std::isnan(v)) {
        q[i] = 0;
      } else {
        q[i] = quantize_value(v, scale);
      }
    }
  };
  switch (scheme) {
    case OCT_ACT_DYNAMIC_PER_TOKEN:
      for (int64_t r = 0; r < rows; ++r) {
        float m = absmax(x, smooth, r * cols, (r + 1) * cols, cols);
        s[r] = activation_scale(m);
        quantize_range(r * cols, (r + 1) * cols, s[r], false);
      }
      return;
    case OCT_ACT_DYNAMIC_PER_TENSOR: {
      float m = absmax(x, smooth, 0, rows * cols, cols);
      s[0] = activation_scale(m);
      quantize_range(0, rows * cols, s[0], false);
      return;
    }
    case OCT_ACT_STATIC_PER_TENSOR:
      quantize_range(0, rows * cols, s[0], true);
      return;
  }
  fail(OCT_STATUS_INTERNAL, "unexpected activation scheme %d", static_cast<int>(scheme));
}

}  // namespace octet::cpu
