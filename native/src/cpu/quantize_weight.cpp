// CPU reference backend: symmetric INT8 weight quantization, per channel or per group. Readable
// first; it is the definition the CUDA kernels and the Java reference are checked against.
#include <cmath>
#include <cstdint>

#include "backends.hpp"
#include "common/error.hpp"
#include "common/numerics.hpp"

namespace octet::cpu {
namespace {

float load(const void* data, oct_dtype_t dtype, int64_t i) {
  switch (dtype) {
    case OCT_DTYPE_FP32: return static_cast<const float*>(data)[i];
    case OCT_DTYPE_FP16: return half_to_float(static_cast<const uint16_t*>(data)[i]);
    case OCT_DTYPE_BF16: return bf16_to_float(static_cast<const uint16_t*>(data)[i]);
    default: fail(OCT_STATUS_INTERNAL, "cpu load: unexpected dtype %d", static_cast<int>(dtype));
  }
}

void store(void* data, oct_dtype_t dtype, int64_t i, float v) {
  switch (dtype) {
    case OCT_DTYPE_FP32: static_cast<float*>(data)[i] = v; return;
    case OCT_DTYPE_FP16: static_cast<uint16_t*>(data)[i] = float_to_half(v); return;
    case OCT_DTYPE_BF16: static_cast<uint16_t*>(data)[i] = float_to_bf16(v); return;
    default: fail(OCT_STATUS_INTERNAL, "cpu store: unexpected dtype %d", static_cast<int>(dtype));
  }
}

}  // namespace

void quantize_weight(const oct_tensor& weight, int64_t group, oct_tensor& q, oct_tensor& scales) {
  const int64_t rows = weight.shape[0], cols = weight.shape[1], groups = cols / group;
  auto* qd = static_cast<int8_t*>(q.data);
  auto* sd = static_cast<float*>(scales.data);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t begin = r * cols + g * group, end = begin + group;
      float absmax = 0.0f;
      bool finite = true;
      for (int64_t i = begin; i < end; ++i) {
        float v = load(weight.data, weight.dtype, i);
        finite = finite && std::isfinite(v);
        absmax = std::fmax(absmax, std::fabs(v));
      }
      const float scale = finite ? scale_from_absmax(absmax) : NAN;
      sd[r * groups + g] = scale;
      for (int64_t i = begin; i < end; ++i)
        qd[i] = finite ? quantize_value(load(weight.data, weight.dtype, i), scale) : 0;
    }
  }
}

void dequantize_weight(const oct_tensor& q, const oct_tensor& scales, int64_t group,
                       oct_tensor& out) {
  const int64_t rows = q.shape[0], cols = q.shape[1], groups = cols / group;
  const auto* qd = static_cast<const int8_t*>(q.data);
  const auto* sd = static_cast<const float*>(scales.data);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      store(out.data, out.dtype, r * cols + c,
            static_cast<float>(qd[r * cols + c]) * sd[r * groups + c / group]);
}

}  // namespace octet::cpu
