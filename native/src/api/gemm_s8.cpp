// Entry point of the int8 GEMM with its fused dequantizing epilogue: validates every argument
// (shapes, dtypes, scale lengths, one context, the stream), then runs the backend.
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

namespace {

// A scale vector: fp32, rank 1, `full` entries (per row/column) or 1 (per tensor). Returns true
// for per row/column.
bool check_scale(const oct_tensor& s, const char* name, int64_t full, const char* per,
                 const char* dim) {
  require_dtype(s, name, {OCT_DTYPE_FP32});
  require(s.rank == 1 && (s.shape[0] == full || s.shape[0] == 1),
          "argument '%s' has shape %s; expected [%lld] (%s, %s = %lld) or [1] (per tensor)", name,
          shape_string(s).c_str(), (long long)full, per, dim, (long long)full);
  return s.shape[0] == full;
}

}  // namespace

extern "C" {

OCT_API oct_status_t oct_gemm_s8(oct_tensor_t a, oct_tensor_t b, oct_tensor_t a_scale,
                                 oct_tensor_t b_scale, oct_tensor_t bias, oct_tensor_t out,
                                 oct_stream_t stream) {
  return guarded("oct_gemm_s8", [&] {
    const oct_tensor& at = tensor_arg(a, "a");
    const oct_tensor& bt = tensor_arg(b, "b");
    oct_tensor& ot = tensor_arg(out, "out");
    require_rank(at, "a", 2);
    require_dtype(at, "a", {OCT_DTYPE_INT8});
    require_rank(bt, "b", 2);
    require_dtype(bt, "b", {OCT_DTYPE_INT8});
    const int64_t m = at.shape[0], k = at.shape[1], n = bt.shape[0];
    require(bt.shape[1] == k,
            "arguments 'a' %s and 'b' %s disagree on K: b must be [N, K] with K = %lld (a's "
            "columns)",
            shape_string(at).c_str(), shape_string(bt).c_str(), (long long)k);
    require_rank(ot, "out", 2);
    require_dtype(ot, "out", {OCT_DTYPE_FP16, OCT_DTYPE_BF16, OCT_DTYPE_INT32});
    require_dim(ot, "out", 0, m, "rows of 'a'");
    require_dim(ot, "out", 1, n, "rows of 'b'");
    require_same_context(at, "a", bt, "b");
    require_same_context(at, "a", ot, "out");
    if (k > kGemmS8MaxK)
      fail(OCT_STATUS_NOT_SUPPORTED,
           "K = %lld exceeds %lld: the int32 accumulation could overflow", (long long)k,
           (long long)kGemmS8MaxK);

    GemmS8Problem p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.a = static_cast<const int8_t*>(at.data);
    p.b = static_cast<const int8_t*>(bt.data);
    p.out = ot.data;
    p.out_dtype = ot.dtype;
    if (ot.dtype == OCT_DTYPE_INT32) {
      require(a_scale == nullptr && b_scale == nullptr && bias == nullptr,
              "raw mode (out is int32) takes no epilogue: 'a_scale', 'b_scale' and 'bias' must "
              "be NULL (got a_scale %s, b_scale %s, bias %s)",
              a_scale ? "non-NULL" : "NULL", b_scale ? "non-NULL" : "NULL",
              bias ? "non-NULL" : "NULL");
    } else {
      require(a_scale != nullptr,
              "argument 'a_scale' is NULL; out is %s, which needs a_scale and b_scale (only an "
              "int32 out takes none)",
              dtype_name(ot.dtype));
      require(b_scale != nullptr,
              "argument 'b_scale' is NULL; out is %s, which needs a_scale and b_scale (only an "
              "int32 out takes none)",
              dtype_name(ot.dtype));
      const oct_tensor& ast = *a_scale;
      const oct_tensor& bst = *b_scale;
      p.a_per_row = check_scale(ast, "a_scale", m, "per token", "M");
      p.b_per_col = check_scale(bst, "b_scale", n, "per channel", "N");
      require_same_context(at, "a", ast, "a_scale");
      require_same_context(at, "a", bst, "b_scale");
      p.a_scale = static_cast<const float*>(ast.data);
      p.b_scale = static_cast<const float*>(bst.data);
      if (bias != nullptr) {
        const oct_tensor& bi = *bias;
        require(bi.dtype == ot.dtype, "argument 'bias' has dtype %s; it must be out's dtype %s",
                dtype_name(bi.dtype), dtype_name(ot.dtype));
        require(bi.rank == 1 && bi.shape[0] == n,
                "argument 'bias' has shape %s; expected [%lld] (N, one per output column)",
                shape_string(bi).c_str(), (long long)n);
        require_same_context(at, "a", bi, "bias");
        p.bias = bi.data;
      }
    }
    void* s = launch_stream(at.context, stream);
    if (at.context->backend == OCT_BACKEND_CPU) {
      cpu::gemm_s8(p);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::gemm_s8(*at.context, p, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
