// Entry point for activation quantization.
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

extern "C" {

OCT_API oct_status_t oct_quantize_activations(oct_tensor_t x, oct_act_scheme_t scheme,
                                              oct_tensor_t smooth, oct_tensor_t xq,
                                              oct_tensor_t scales, oct_stream_t stream) {
  return guarded("oct_quantize_activations", [&] {
    const oct_tensor& xt = tensor_arg(x, "x");
    oct_tensor& qt = tensor_arg(xq, "xq");
    oct_tensor& st = tensor_arg(scales, "scales");
    require_rank(xt, "x", 2);
    require_dtype(xt, "x", {OCT_DTYPE_FP16, OCT_DTYPE_BF16});
    enum_arg(scheme, "scheme", {OCT_ACT_DYNAMIC_PER_TOKEN, OCT_ACT_DYNAMIC_PER_TENSOR,
                                OCT_ACT_STATIC_PER_TENSOR});
    require_rank(qt, "xq", 2);
    require_dtype(qt, "xq", {OCT_DTYPE_INT8});
    require_dim(qt, "xq", 0, xt.shape[0], "rows of 'x'");
    require_dim(qt, "xq", 1, xt.shape[1], "columns of 'x'");
    require_rank(st, "scales", 1);
    require_dtype(st, "scales", {OCT_DTYPE_FP32});
    require_dim(st, "scales", 0, scheme == OCT_ACT_DYNAMIC_PER_TOKEN ? xt.shape[0] : 1,
                scheme == OCT_ACT_DYNAMIC_PER_TOKEN ? "one scale per row of 'x'"
                                                    : "one scale for the tensor");
    require_same_context(xt, "x", qt, "xq");
    require_same_context(xt, "x", st, "scales");
    const float* sm = nullptr;
    if (smooth != nullptr) {
      require_rank(*smooth, "smooth", 1);
      require_dtype(*smooth, "smooth", {OCT_DTYPE_FP32});
      require_dim(*smooth, "smooth", 0, xt.shape[1], "one multiplier per column of 'x'");
      require_same_context(xt, "x", *smooth, "smooth");
      sm = static_cast<const float*>(smooth->data);
    }
    void* s = launch_stream(xt.context, stream);
    if (xt.context->backend == OCT_BACKEND_CPU) {
      cpu::quantize_activations(xt, scheme, sm, qt, st);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::quantize_activations(xt, scheme, sm, qt, st, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
