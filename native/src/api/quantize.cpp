// Entry points for weight quantization.
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

extern "C" {

OCT_API oct_status_t oct_quantize_per_channel(oct_tensor_t weight, oct_tensor_t q,
                                              oct_tensor_t scales, oct_stream_t stream) {
  return guarded("oct_quantize_per_channel", [&] {
    const oct_tensor& w = tensor_arg(weight, "weight");
    oct_tensor& qt = tensor_arg(q, "q");
    oct_tensor& st = tensor_arg(scales, "scales");
    require_rank(w, "weight", 2);
    require_dtype(w, "weight", {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16});
    require_rank(qt, "q", 2);
    require_dtype(qt, "q", {OCT_DTYPE_INT8});
    require_dim(qt, "q", 0, w.shape[0], "rows of 'weight'");
    require_dim(qt, "q", 1, w.shape[1], "columns of 'weight'");
    require_rank(st, "scales", 1);
    require_dtype(st, "scales", {OCT_DTYPE_FP32});
    require_dim(st, "scales", 0, w.shape[0], "one scale per row of 'weight'");
    require_same_context(w, "weight", qt, "q");
    require_same_context(w, "weight", st, "scales");
    void* s = launch_stream(w.context, stream);
    if (w.context->backend == OCT_BACKEND_CPU) {
      cpu::quantize_per_channel(w, qt, st);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::quantize_per_channel(w, qt, st, s);
#endif
    }
    (void)s;
  });
}

OCT_API oct_status_t oct_dequantize_per_channel(oct_tensor_t q, oct_tensor_t scales,
                                                oct_tensor_t out, oct_stream_t stream) {
  return guarded("oct_dequantize_per_channel", [&] {
    const oct_tensor& qt = tensor_arg(q, "q");
    const oct_tensor& st = tensor_arg(scales, "scales");
    oct_tensor& ot = tensor_arg(out, "out");
    require_rank(qt, "q", 2);
    require_dtype(qt, "q", {OCT_DTYPE_INT8});
    require_rank(st, "scales", 1);
    require_dtype(st, "scales", {OCT_DTYPE_FP32});
    require_dim(st, "scales", 0, qt.shape[0], "one scale per row of 'q'");
    require_rank(ot, "out", 2);
    require_dtype(ot, "out", {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16});
    require_dim(ot, "out", 0, qt.shape[0], "rows of 'q'");
    require_dim(ot, "out", 1, qt.shape[1], "columns of 'q'");
    require_same_context(qt, "q", st, "scales");
    require_same_context(qt, "q", ot, "out");
    void* s = launch_stream(qt.context, stream);
    if (qt.context->backend == OCT_BACKEND_CPU) {
      cpu::dequantize_per_channel(qt, st, ot);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::dequantize_per_channel(qt, st, ot, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
