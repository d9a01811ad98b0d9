// Entry points for weight quantization.
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

namespace {

// The group size along K that `scales` implies for a [N, K] weight: K for [N], K / G for [N, G].
int64_t group_of_scales(const oct_tensor& scales, const oct_tensor& q) {
  require_dtype(scales, "scales", {OCT_DTYPE_FP32});
  require(scales.rank == 1 || scales.rank == 2,
          "argument 'scales' has shape %s; expected [N] (per channel) or [N, G] (per group)",
          shape_string(scales).c_str());
  require_dim(scales, "scales", 0, q.shape[0], "one row of scales per weight row");
  if (scales.rank == 1) return q.shape[1];
  const int64_t g = scales.shape[1];
  require(q.shape[1] % g == 0,
          "argument 'scales' has shape %s: %lld groups do not divide K = %lld",
          shape_string(scales).c_str(), (long long)g, (long long)q.shape[1]);
  return q.shape[1] / g;
}

}  // namespace

extern "C" {

OCT_API oct_status_t oct_quantize_weight(oct_tensor_t weight, int64_t group_size, oct_tensor_t q,
                                         oct_tensor_t scales, oct_stream_t stream) {
  return guarded("oct_quantize_weight", [&] {
    const oct_tensor& w = tensor_arg(weight, "weight");
    oct_tensor& qt = tensor_arg(q, "q");
    oct_tensor& st = tensor_arg(scales, "scales");
    require_rank(w, "weight", 2);
    require_dtype(w, "weight", {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16});
    const int64_t k = w.shape[1];
    require(group_size >= 0 && (group_size == 0 || k % group_size == 0),
            "argument 'group_size' is %lld; it must be 0 (per channel) or divide K = %lld",
            (long long)group_size, (long long)k);
    const int64_t group = group_size == 0 ? k : group_size;
    require_rank(qt, "q", 2);
    require_dtype(qt, "q", {OCT_DTYPE_INT8});
    require_dim(qt, "q", 0, w.shape[0], "rows of 'weight'");
    require_dim(qt, "q", 1, k, "columns of 'weight'");
    require_dtype(st, "scales", {OCT_DTYPE_FP32});
    if (group == k) {
      require(st.rank == 1 || (st.rank == 2 && st.shape[1] == 1),
              "argument 'scales' has shape %s; per channel needs [%lld]",
              shape_string(st).c_str(), (long long)w.shape[0]);
    } else {
      require_rank(st, "scales", 2);
      require_dim(st, "scales", 1, k / group, "K / group_size groups per row");
    }
    require_dim(st, "scales", 0, w.shape[0], "one row of scales per row of 'weight'");
    require_same_context(w, "weight", qt, "q");
    require_same_context(w, "weight", st, "scales");
    void* s = launch_stream(w.context, stream);
    if (w.context->backend == OCT_BACKEND_CPU) {
      cpu::quantize_weight(w, group, qt, st);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::quantize_weight(w, group, qt, st, s);
#endif
    }
    (void)s;
  });
}

OCT_API oct_status_t oct_dequantize_weight(oct_tensor_t q, oct_tensor_t scales, oct_tensor_t out,
                                           oct_stream_t stream) {
  return guarded("oct_dequantize_weight", [&] {
    const oct_tensor& qt = tensor_arg(q, "q");
    const oct_tensor& st = tensor_arg(scales, "scales");
    oct_tensor& ot = tensor_arg(out, "out");
    require_rank(qt, "q", 2);
    require_dtype(qt, "q", {OCT_DTYPE_INT8});
    const int64_t group = group_of_scales(st, qt);
    require_rank(ot, "out", 2);
    require_dtype(ot, "out", {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16});
    require_dim(ot, "out", 0, qt.shape[0], "rows of 'q'");
    require_dim(ot, "out", 1, qt.shape[1], "columns of 'q'");
    require_same_context(qt, "q", st, "scales");
    require_same_context(qt, "q", ot, "out");
    void* s = launch_stream(qt.context, stream);
    if (qt.context->backend == OCT_BACKEND_CPU) {
      cpu::dequantize_weight(qt, st, group, ot);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::dequantize_weight(qt, st, group, ot, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
