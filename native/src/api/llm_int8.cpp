// Entry points of LLM.int8(): the workspace size and the linear layer. Every argument is
// validated here (shapes, dtypes, one context, threshold, workspace size and alignment); the
// backends get a checked LlmInt8Problem.
#include <cmath>
#include <cstdint>

#include "common/objects.hpp"
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

namespace {

constexpr int64_t kMaxDim = 0x7fffffff;

void check_dims(int64_t m, int64_t n, int64_t k) {
  require(m >= 1 && m <= kMaxDim, "argument 'm' is %lld; it must be in [1, 2^31-1]", (long long)m);
  require(n >= 1 && n <= kMaxDim, "argument 'n' is %lld; it must be in [1, 2^31-1]", (long long)n);
  require(k >= 1 && k <= kMaxDim, "argument 'k' is %lld; it must be in [1, 2^31-1]", (long long)k);
  if (k > kGemmS8MaxK)
    fail(OCT_STATUS_NOT_SUPPORTED,
         "K = %lld exceeds %lld: the int32 accumulation of the int8 GEMM could overflow",
         (long long)k, (long long)kGemmS8MaxK);
}

}  // namespace

extern "C" {

OCT_API oct_status_t oct_llm_int8_workspace_size(int64_t m, int64_t n, int64_t k,
                                                 int64_t* bytes) {
  return guarded("oct_llm_int8_workspace_size", [&] {
    require(bytes != nullptr, "argument 'bytes' is NULL");
    check_dims(m, n, k);
    *bytes = LlmInt8Layout::of(m, n, k).bytes;
  });
}

OCT_API oct_status_t oct_linear_llm_int8(oct_tensor_t x, float threshold, oct_tensor_t q,
                                         oct_tensor_t w_scale, oct_tensor_t bias,
                                         oct_tensor_t workspace, oct_tensor_t out,
                                         oct_tensor_t outlier_count, oct_stream_t stream) {
  return guarded("oct_linear_llm_int8", [&] {
    const oct_tensor& xt = tensor_arg(x, "x");
    const oct_tensor& qt = tensor_arg(q, "q");
    const oct_tensor& st = tensor_arg(w_scale, "w_scale");
    oct_tensor& wt = tensor_arg(workspace, "workspace");
    oct_tensor& ot = tensor_arg(out, "out");
    require(std::isfinite(threshold) && threshold > 0.0f,
            "argument 'threshold' is %g; it must be positive and finite", double(threshold));
    require_rank(xt, "x", 2);
    require_dtype(xt, "x", {OCT_DTYPE_FP16, OCT_DTYPE_BF16});
    const int64_t m = xt.shape[0], k = xt.shape[1];
    require_rank(qt, "q", 2);
    require_dtype(qt, "q", {OCT_DTYPE_INT8});
    require_dim(qt, "q", 1, k, "columns of 'x': q is [N, K]");
    const int64_t n = qt.shape[0];
    require_rank(st, "w_scale", 1);
    require_dtype(st, "w_scale", {OCT_DTYPE_FP32});
    require_dim(st, "w_scale", 0, n, "rows of 'q': one scale per output channel");
    require_rank(ot, "out", 2);
    require(ot.dtype == xt.dtype, "argument 'out' has dtype %s; it must be x's dtype %s",
            dtype_name(ot.dtype), dtype_name(xt.dtype));
    require_dim(ot, "out", 0, m, "rows of 'x'");
    require_dim(ot, "out", 1, n, "rows of 'q'");
    require_same_context(xt, "x", qt, "q");
    require_same_context(xt, "x", st, "w_scale");
    require_same_context(xt, "x", ot, "out");
    require_same_context(xt, "x", wt, "workspace");
    check_dims(m, n, k);

    LlmInt8Problem p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.dtype = xt.dtype;
    p.x = xt.data;
    p.threshold = threshold;
    p.q = static_cast<const int8_t*>(qt.data);
    p.w_scale = static_cast<const float*>(st.data);
    p.out = ot.data;
    if (bias != nullptr) {
      const oct_tensor& bi = *bias;
      require(bi.dtype == xt.dtype, "argument 'bias' has dtype %s; it must be x's dtype %s",
              dtype_name(bi.dtype), dtype_name(xt.dtype));
      require(bi.rank == 1 && bi.shape[0] == n,
              "argument 'bias' has shape %s; expected [%lld] (N, one per output column)",
              shape_string(bi).c_str(), (long long)n);
      require_same_context(xt, "x", bi, "bias");
      p.bias = bi.data;
    }
    if (outlier_count != nullptr) {
      const oct_tensor& oc = *outlier_count;
      require_dtype(oc, "outlier_count", {OCT_DTYPE_INT32});
      require(oc.rank == 1 && oc.shape[0] == 1,
              "argument 'outlier_count' has shape %s; expected [1]", shape_string(oc).c_str());
      require_same_context(xt, "x", oc, "outlier_count");
      p.outlier_count = static_cast<int32_t*>(oc.data);
    }
    require_rank(wt, "workspace", 1);
    require_dtype(wt, "workspace", {OCT_DTYPE_INT8});
    const int64_t need = LlmInt8Layout::of(m, n, k).bytes;
    require(wt.nbytes >= need,
            "argument 'workspace' has %lld bytes; M = %lld, N = %lld, K = %lld need %lld "
            "(oct_llm_int8_workspace_size)",
            (long long)wt.nbytes, (long long)m, (long long)n, (long long)k, (long long)need);
    if (!is_aligned(wt.data, 16))
      fail(OCT_STATUS_MISALIGNED,
           "argument 'workspace' starts at %p, which is not 16-byte aligned (a view must start "
           "at a multiple of 16 bytes)",
           wt.data);
    p.workspace = static_cast<uint8_t*>(wt.data);

    void* s = launch_stream(xt.context, stream);
    if (xt.context->backend == OCT_BACKEND_CPU) {
      cpu::linear_llm_int8(p);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::linear_llm_int8(*xt.context, p, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
