// CPU reference backend: tensor statistics (absmax, min/max, histogram). Readable first; the
// reductions go through the keys of common/stats.hpp, exactly as the CUDA kernels do.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "backends.hpp"
#include "common/error.hpp"
#include "common/numerics.hpp"
#include "common/stats.hpp"

namespace octet::cpu {
namespace {

float load(const oct_tensor& x, int64_t i) {
  switch (x.dtype) {
    case OCT_DTYPE_FP32: return static_cast<const float*>(x.data)[i];
    case OCT_DTYPE_FP16: return half_to_float(static_cast<const uint16_t*>(x.data)[i]);
    case OCT_DTYPE_BF16: return bf16_to_float(static_cast<const uint16_t*>(x.data)[i]);
    default: fail(OCT_STATUS_INTERNAL, "cpu stats: unexpected dtype %d", static_cast<int>(x.dtype));
  }
}

// Calls f(result index, element index) for every element of x seen as [rows, cols].
template <typename F>
void for_each(const oct_tensor& x, oct_reduce_t reduce, F&& f) {
  const int64_t cols = x.shape[x.rank - 1];
  for (int64_t i = 0; i < x.numel; ++i) {
    const int64_t r = reduce == OCT_REDUCE_ALL ? 0 : reduce == OCT_REDUCE_ROWS ? i / cols : i % cols;
    f(r, i);
  }
}

int64_t results(const oct_tensor& x, oct_reduce_t reduce) {
  const int64_t cols = x.shape[x.rank - 1];
  return reduce == OCT_REDUCE_ALL ? 1 : reduce == OCT_REDUCE_ROWS ? x.numel / cols : cols;
}

}  // namespace

void tensor_absmax(const oct_tensor& x, oct_reduce_t reduce, oct_tensor& out) {
  std::vector<uint32_t> key(static_cast<size_t>(results(x, reduce)), 0u);
  for_each(x, reduce, [&](int64_t r, int64_t i) {
    key[r] = std::max(key[r], stats::absmax_key(load(x, i)));
  });
  auto* o = static_cast<float*>(out.data);
  for (size_t r = 0; r < key.size(); ++r) o[r] = stats::float_of(key[r]);
}

void tensor_minmax(const oct_tensor& x, oct_reduce_t reduce, oct_tensor& out) {
  const size_t n = static_cast<size_t>(results(x, reduce));
  std::vector<uint32_t> kmin(n, 0xffffffffu), kmax(n, 0u);
  for_each(x, reduce, [&](int64_t r, int64_t i) {
    const float v = load(x, i);
    kmin[r] = std::min(kmin[r], stats::min_key(v));
    kmax[r] = std::max(kmax[r], stats::max_key(v));
  });
  auto* o = static_cast<float*>(out.data);
  for (size_t r = 0; r < n; ++r) stats::decode_minmax(kmin[r], kmax[r], o[2 * r], o[2 * r + 1]);
}

void tensor_histogram(const oct_tensor& x, float lo, float inv, bool absolute, oct_tensor& counts) {
  const int32_t bins = static_cast<int32_t>(counts.shape[0]);
  auto* c = static_cast<int32_t*>(counts.data);
  std::fill(c, c + bins, 0);
  for (int64_t i = 0; i < x.numel; ++i) {
    const int32_t b = stats::histogram_bin(load(x, i), lo, inv, bins, absolute);
    if (b >= 0) ++c[b];
  }
}

}  // namespace octet::cpu
