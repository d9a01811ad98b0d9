// Entry point for the weight-only INT8 linear layer (W8A16).
#include <cstdint>

#include "common/objects.hpp"
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

namespace {

constexpr int64_t kMaxExtent = INT32_MAX;  // the kernels index rows and columns with int
constexpr int64_t kKAlignment = 16;        // 16 int8 = one 16-byte load
constexpr int64_t kGroupMultiple = 64;     // per-group scales: the kernels' chunk of K

void require_extent(const char* what, int64_t v) {
  require(v <= kMaxExtent, "%s = %lld is larger than 2^31 - 1", what, (long long)v);
}

void require_aligned16(const oct_tensor& t, const char* name) {
  if (!is_aligned(t.data, 16))
    fail(OCT_STATUS_MISALIGNED, "argument '%s' has data at %p; 16-byte alignment is required",
         name, t.data);
}

}  // namespace

extern "C" {

OCT_API oct_status_t oct_gemm_w8a16(oct_tensor_t x, oct_tensor_t q, oct_tensor_t w_scale,
                                    oct_tensor_t bias, oct_tensor_t out, oct_stream_t stream) {
  return guarded("oct_gemm_w8a16", [&] {
    const oct_tensor& xt = tensor_arg(x, "x");
    const oct_tensor& qt = tensor_arg(q, "q");
    const oct_tensor& st = tensor_arg(w_scale, "w_scale");
    oct_tensor& ot = tensor_arg(out, "out");

    require_rank(xt, "x", 2);
    require_dtype(xt, "x", {OCT_DTYPE_FP16, OCT_DTYPE_BF16});
    require_rank(qt, "q", 2);
    require_dtype(qt, "q", {OCT_DTYPE_INT8});
    const int64_t m = xt.shape[0], k = xt.shape[1], n = qt.shape[0];
    require_dim(qt, "q", 1, k, "K, the columns of 'x'");
    require_extent("M (rows of 'x')", m);
    require_extent("N (rows of 'q')", n);
    require_extent("K (columns of 'x')", k);
    if (k % kKAlignment != 0)
      fail(OCT_STATUS_MISALIGNED,
           "argument 'x' has shape %s: K = %lld must be a multiple of %lld",
           shape_string(xt).c_str(), (long long)k, (long long)kKAlignment);

    require_dtype(st, "w_scale", {OCT_DTYPE_FP32});
    require(st.rank == 1 || st.rank == 2,
            "argument 'w_scale' has shape %s; expected [N] (per channel) or [N, G] (per group)",
            shape_string(st).c_str());
    require_dim(st, "w_scale", 0, n, "one row of scales per row of 'q'");
    int64_t group = k;
    if (st.rank == 2) {
      const int64_t g = st.shape[1];
      require(k % g == 0,
              "argument 'w_scale' has shape %s: K = %lld is not divisible into %lld groups",
              shape_string(st).c_str(), (long long)k, (long long)g);
      group = k / g;
      require(g == 1 || group % kGroupMultiple == 0,
              "argument 'w_scale' has shape %s: group size K / %lld = %lld is not supported; "
              "per-group scales need a group size that is a multiple of %lld (64, 128, ...)",
              shape_string(st).c_str(), (long long)g, (long long)group, (long long)kGroupMultiple);
    }

    const oct_tensor* bt = nullptr;
    if (bias != nullptr) {
      bt = bias;
      require_rank(*bt, "bias", 1);
      require(bt->dtype == xt.dtype, "argument 'bias' has dtype %s; it must be x's dtype %s",
              dtype_name(bt->dtype), dtype_name(xt.dtype));
      require_dim(*bt, "bias", 0, n, "N, the rows of 'q'");
    }

    require_rank(ot, "out", 2);
    require(ot.dtype == xt.dtype, "argument 'out' has dtype %s; it must be x's dtype %s",
            dtype_name(ot.dtype), dtype_name(xt.dtype));
    require_dim(ot, "out", 0, m, "M, the rows of 'x'");
    require_dim(ot, "out", 1, n, "N, the rows of 'q'");

    require_same_context(xt, "x", qt, "q");
    require_same_context(xt, "x", st, "w_scale");
    require_same_context(xt, "x", ot, "out");
    if (bt != nullptr) require_same_context(xt, "x", *bt, "bias");
    require_aligned16(xt, "x");
    require_aligned16(qt, "q");
    void* s = launch_stream(xt.context, stream);
    if (xt.context->backend == OCT_BACKEND_CPU) {
      cpu::gemm_w8a16(xt, qt, st, group, bt, ot);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::gemm_w8a16(xt, qt, st, group, bt, ot, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
