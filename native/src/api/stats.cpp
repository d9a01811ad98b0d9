// Entry points of the tensor statistics: oct_tensor_absmax, oct_tensor_minmax,
// oct_tensor_histogram. Checks the arguments once, then dispatches to the backend.
#include <cmath>

#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

namespace {

const char* reduce_name(oct_reduce_t r) {
  switch (r) {
    case OCT_REDUCE_ALL: return "OCT_REDUCE_ALL";
    case OCT_REDUCE_ROWS: return "OCT_REDUCE_ROWS";
    case OCT_REDUCE_COLUMNS: return "OCT_REDUCE_COLUMNS";
  }
  return "unknown";
}

const oct_tensor& input_arg(oct_tensor_t x) {
  const oct_tensor& t = tensor_arg(x, "x");
  require_dtype(t, "x", {OCT_DTYPE_FP32, OCT_DTYPE_FP16, OCT_DTYPE_BF16});
  return t;
}

// The number of results of `reduce` over x seen as [R, C].
int64_t results_of(const oct_tensor& x, oct_reduce_t reduce) {
  const int64_t cols = x.shape[x.rank - 1];
  switch (reduce) {
    case OCT_REDUCE_ALL: return 1;
    case OCT_REDUCE_ROWS: return x.numel / cols;
    case OCT_REDUCE_COLUMNS: return cols;
  }
  fail(OCT_STATUS_INTERNAL, "unchecked reduction");  // the entry points check it first
}

// `out` must be fp32 of `results` values, times `per` (1: [n]; 2: [n, 2], or [2] for one result).
oct_tensor& output_arg(oct_tensor_t out, const oct_tensor& x, oct_reduce_t reduce, int per) {
  oct_tensor& o = tensor_arg(out, "out");
  require_dtype(o, "out", {OCT_DTYPE_FP32});
  const int64_t n = results_of(x, reduce);
  bool ok;
  if (per == 1) {
    ok = o.rank == 1 && o.shape[0] == n;
  } else {
    ok = (o.rank == 2 && o.shape[0] == n && o.shape[1] == 2) || (n == 1 && o.rank == 1 && o.shape[0] == 2);
  }
  require(ok, "argument 'out' has shape %s; %s of x %s needs %s[%lld%s]", shape_string(o).c_str(),
          reduce_name(reduce), shape_string(x).c_str(), per == 2 && n == 1 ? "[2] or " : "",
          static_cast<long long>(n), per == 2 ? ", 2" : "");
  require_same_context(x, "x", o, "out");
  return o;
}

}  // namespace

extern "C" {

OCT_API oct_status_t oct_tensor_absmax(oct_tensor_t x, oct_reduce_t reduce, oct_tensor_t out,
                                       oct_stream_t stream) {
  return guarded("oct_tensor_absmax", [&] {
    const oct_tensor& xt = input_arg(x);
    enum_arg(reduce, "reduce", {OCT_REDUCE_ALL, OCT_REDUCE_ROWS, OCT_REDUCE_COLUMNS});
    oct_tensor& ot = output_arg(out, xt, reduce, 1);
    void* s = launch_stream(xt.context, stream);
    if (xt.context->backend == OCT_BACKEND_CPU) {
      cpu::tensor_absmax(xt, reduce, ot);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::tensor_absmax(xt, reduce, ot, s);
#endif
    }
    (void)s;
  });
}

OCT_API oct_status_t oct_tensor_minmax(oct_tensor_t x, oct_reduce_t reduce, oct_tensor_t out,
                                       oct_stream_t stream) {
  return guarded("oct_tensor_minmax", [&] {
    const oct_tensor& xt = input_arg(x);
    enum_arg(reduce, "reduce", {OCT_REDUCE_ALL, OCT_REDUCE_ROWS, OCT_REDUCE_COLUMNS});
    oct_tensor& ot = output_arg(out, xt, reduce, 2);
    void* s = launch_stream(xt.context, stream);
    if (xt.context->backend == OCT_BACKEND_CPU) {
      cpu::tensor_minmax(xt, reduce, ot);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::tensor_minmax(xt, reduce, ot, s);
#endif
    }
    (void)s;
  });
}

OCT_API oct_status_t oct_tensor_histogram(oct_tensor_t x, float lo, float hi, int32_t absolute,
                                          oct_tensor_t counts, oct_stream_t stream) {
  return guarded("oct_tensor_histogram", [&] {
    const oct_tensor& xt = input_arg(x);
    oct_tensor& ct = tensor_arg(counts, "counts");
    require_dtype(ct, "counts", {OCT_DTYPE_INT32});
    require_rank(ct, "counts", 1);
    const int64_t bins = ct.shape[0];
    require(bins >= 1 && bins <= OCT_HISTOGRAM_MAX_BINS,
            "argument 'counts' has %lld bins; 1 to %d are supported", static_cast<long long>(bins),
            OCT_HISTOGRAM_MAX_BINS);
    require(std::isfinite(lo) && std::isfinite(hi) && lo < hi,
            "arguments 'lo' = %g and 'hi' = %g must be finite with lo < hi", static_cast<double>(lo),
            static_cast<double>(hi));
    const float inv = static_cast<float>(bins) / (hi - lo);
    require(std::isfinite(inv) && inv > 0.0f,
            "the range [%g, %g) with %lld bins gives a bin scale of %g; it must be finite and "
            "positive", static_cast<double>(lo), static_cast<double>(hi),
            static_cast<long long>(bins), static_cast<double>(inv));
    require(xt.numel <= INT32_MAX,
            "argument 'x' has %lld elements; at most 2^31 - 1 so that int32 counts cannot overflow",
            static_cast<long long>(xt.numel));
    require_same_context(xt, "x", ct, "counts");
    void* s = launch_stream(xt.context, stream);
    if (xt.context->backend == OCT_BACKEND_CPU) {
      cpu::tensor_histogram(xt, lo, inv, absolute != 0, ct);
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::tensor_histogram(xt, lo, inv, absolute != 0, ct, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
