// Entry points for errors, versions, devices, contexts, streams and tensors.
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using octet::api::enum_arg;
using octet::api::guarded;

namespace octet::api {

namespace {
thread_local std::string last_error;
}

void set_last_error(const std::string& message) { last_error = message; }
void clear_last_error() { last_error.clear(); }

}  // namespace octet::api

namespace octet::api {

void release_context(oct_context* c) {
  if (c->refs.fetch_sub(1) != 1) return;
#ifdef OCTET_WITH_CUDA
  if (c->backend == OCT_BACKEND_CUDA) {
    try {
      cuda::context_release(*c);
    } catch (...) {
      // The context is going away: nothing sensible to report to; free the host side anyway.
    }
  }
#endif
  delete c;
}

}  // namespace octet::api

namespace {

void retain(oct_context* c) { c->refs.fetch_add(1); }
void release(oct_context* c) { octet::api::release_context(c); }

// Drops one reference to an owning tensor; frees its memory (and its context reference) with
// the last one.
void release_tensor(oct_tensor* t) {
  if (t->refs.fetch_sub(1) != 1) return;
  oct_context* c = t->context;
  void* data = t->data;
  delete t;
  if (c->backend == OCT_BACKEND_CPU) {
    std::free(data);
  } else {
#ifdef OCTET_WITH_CUDA
    try {
      cuda::free_device(*c, data);
    } catch (...) {
      release(c);
      throw;
    }
#endif
  }
  release(c);
}

}  // namespace

extern "C" {

OCT_API const char* oct_status_string(oct_status_t status) {
  switch (status) {
    case OCT_STATUS_SUCCESS: return "success";
    case OCT_STATUS_INVALID_ARGUMENT: return "invalid argument";
    case OCT_STATUS_MISALIGNED: return "misaligned";
    case OCT_STATUS_NOT_SUPPORTED: return "not supported";
    case OCT_STATUS_ARCH_MISMATCH: return "architecture mismatch";
    case OCT_STATUS_OUT_OF_MEMORY: return "out of memory";
    case OCT_STATUS_CUDA_ERROR: return "CUDA error";
    case OCT_STATUS_INTERNAL: return "internal error";
  }
  return "unknown status";
}

OCT_API const char* oct_last_error_message(void) { return octet::api::last_error.c_str(); }

OCT_API int32_t oct_version(void) {
  return OCT_VERSION_MAJOR * 10000 + OCT_VERSION_MINOR * 100 + OCT_VERSION_PATCH;
}

OCT_API oct_status_t oct_backend_is_built(oct_backend_t backend, int32_t* built) {
  return guarded("oct_backend_is_built", [&] {
    require(built != nullptr, "argument 'built' is NULL");
    switch (enum_arg(backend, "backend", {OCT_BACKEND_CPU, OCT_BACKEND_CUDA})) {
      case OCT_BACKEND_CPU: *built = 1; return;
      case OCT_BACKEND_CUDA:
#ifdef OCTET_WITH_CUDA
        *built = 1;
#else
        *built = 0;
#endif
        return;
    }
  });
}

OCT_API oct_status_t oct_cutlass_is_built(int32_t* built) {
  return guarded("oct_cutlass_is_built", [&] {
    require(built != nullptr, "argument 'built' is NULL");
#ifdef OCTET_WITH_CUTLASS
    *built = 1;
#else
    *built = 0;
#endif
  });
}

OCT_API oct_status_t oct_cuda_device_count(int32_t* count) {
  return guarded("oct_cuda_device_count", [&] {
    require(count != nullptr, "argument 'count' is NULL");
#ifdef OCTET_WITH_CUDA
    *count = cuda::device_count();
#else
    *count = 0;
#endif
  });
}

OCT_API oct_status_t oct_cuda_device_info(int32_t device, oct_device_info_t* info) {
  return guarded("oct_cuda_device_info", [&] {
    require(info != nullptr, "argument 'info' is NULL");
#ifdef OCTET_WITH_CUDA
    int32_t n = cuda::device_count();
    require(device >= 0 && device < n, "argument 'device' is %d; there are %d CUDA devices",
            device, n);
    cuda::device_info(device, *info);
#else
    fail(OCT_STATUS_NOT_SUPPORTED, "argument 'device' is %d, but liboctet was built without CUDA",
         device);
#endif
  });
}

OCT_API oct_status_t oct_context_create(oct_backend_t backend, int32_t device, oct_context_t* out) {
  return guarded("oct_context_create", [&] {
    require(out != nullptr, "argument 'out' is NULL");
    *out = nullptr;
    if (enum_arg(backend, "backend", {OCT_BACKEND_CPU, OCT_BACKEND_CUDA}) == OCT_BACKEND_CPU) {
      require(device == 0, "argument 'device' is %d; the CPU backend has only device 0", device);
      *out = new oct_context{OCT_BACKEND_CPU, 0, nullptr};
      return;
    }
#ifdef OCTET_WITH_CUDA
    int32_t n = cuda::device_count();
    if (n == 0) fail(OCT_STATUS_NOT_SUPPORTED, "no CUDA device is available (no driver or no GPU)");
    require(device >= 0 && device < n, "argument 'device' is %d; there are %d CUDA devices",
            device, n);
    auto* c = new oct_context{OCT_BACKEND_CUDA, device, nullptr};
    try {
      cuda::context_init(*c);
    } catch (...) {
      delete c;
      throw;
    }
    *out = c;
#else
    fail(OCT_STATUS_NOT_SUPPORTED, "liboctet was built without the CUDA backend");
#endif
  });
}

OCT_API oct_status_t oct_context_destroy(oct_context_t context) {
  return guarded("oct_context_destroy", [&] {
    if (context != nullptr) release(context);
  });
}

OCT_API oct_status_t oct_stream_create(oct_context_t context, oct_stream_t* out) {
  return guarded("oct_stream_create", [&] {
    require(context != nullptr, "argument 'context' is NULL");
    require(out != nullptr, "argument 'out' is NULL");
    *out = nullptr;
    void* handle = nullptr;
#ifdef OCTET_WITH_CUDA
    if (context->backend == OCT_BACKEND_CUDA) handle = cuda::stream_create(*context);
#endif
    retain(context);
    *out = new oct_stream{context, handle};
  });
}

OCT_API oct_status_t oct_stream_get_native(oct_stream_t stream, void** cuda_stream) {
  return guarded("oct_stream_get_native", [&] {
    require(cuda_stream != nullptr, "argument 'cuda_stream' is NULL");
    *cuda_stream = stream == nullptr ? nullptr : stream->handle;
  });
}

OCT_API oct_status_t oct_context_get_default_stream(oct_context_t context, void** cuda_stream) {
  return guarded("oct_context_get_default_stream", [&] {
    require(context != nullptr, "argument 'context' is NULL");
    require(cuda_stream != nullptr, "argument 'cuda_stream' is NULL");
    *cuda_stream = context->default_stream;
  });
}

OCT_API oct_status_t oct_stream_synchronize(oct_stream_t stream) {
  return guarded("oct_stream_synchronize", [&] {
    require(stream != nullptr, "argument 'stream' is NULL");
#ifdef OCTET_WITH_CUDA
    if (stream->context->backend == OCT_BACKEND_CUDA)
      cuda::stream_synchronize(*stream->context, stream->handle);
#endif
  });
}

OCT_API oct_status_t oct_stream_destroy(oct_stream_t stream) {
  return guarded("oct_stream_destroy", [&] {
    if (stream == nullptr) return;
    oct_context* c = stream->context;
#ifdef OCTET_WITH_CUDA
    if (c->backend == OCT_BACKEND_CUDA) cuda::stream_destroy(*c, stream->handle);
#endif
    delete stream;
    release(c);
  });
}

OCT_API oct_status_t oct_tensor_create(oct_context_t context, oct_dtype_t dtype, int32_t rank,
                                       const int64_t* shape, oct_tensor_t* out) {
  return guarded("oct_tensor_create", [&] {
    require(out != nullptr, "argument 'out' is NULL");
    *out = nullptr;
    require(context != nullptr, "argument 'context' is NULL");
    const int64_t esize = dtype_size(enum_arg(dtype, "dtype", {OCT_DTYPE_INT8, OCT_DTYPE_INT32,
                                                               OCT_DTYPE_FP16, OCT_DTYPE_BF16,
                                                               OCT_DTYPE_FP32}));
    require(rank >= 1 && rank <= OCT_MAX_RANK, "argument 'rank' is %d; must be 1..%d", rank,
            OCT_MAX_RANK);
    require(shape != nullptr, "argument 'shape' is NULL");
    auto t = new oct_tensor{};
    t->context = context;
    t->dtype = dtype;
    t->rank = rank;
    int64_t numel = 1;
    for (int i = 0; i < OCT_MAX_RANK; ++i) t->shape[i] = 1;
    for (int i = 0; i < rank; ++i) {
      if (shape[i] < 1) {
        delete t;
        fail(OCT_STATUS_INVALID_ARGUMENT, "argument 'shape[%d]' is %lld; extents must be >= 1", i,
             (long long)shape[i]);
      }
      if (numel > std::numeric_limits<int64_t>::max() / esize / shape[i]) {
        delete t;
        fail(OCT_STATUS_INVALID_ARGUMENT,
             "argument 'shape' overflows: the tensor's byte size does not fit in int64 "
             "(at shape[%d] = %lld)",
             i, (long long)shape[i]);
      }
      numel *= shape[i];
      t->shape[i] = shape[i];
    }
    t->numel = numel;
    t->nbytes = numel * esize;
    try {
      if (context->backend == OCT_BACKEND_CPU) {
        size_t bytes = (static_cast<size_t>(t->nbytes) + 63) / 64 * 64;
        t->data = std::aligned_alloc(64, bytes);
        if (t->data == nullptr)
          fail(OCT_STATUS_OUT_OF_MEMORY, "cannot allocate %lld bytes of host memory",
               (long long)t->nbytes);
      } else {
#ifdef OCTET_WITH_CUDA
        t->data = cuda::malloc_device(*context, t->nbytes);
#endif
      }
    } catch (...) {
      delete t;
      throw;
    }
    retain(context);
    *out = t;
  });
}

OCT_API oct_status_t oct_tensor_destroy(oct_tensor_t tensor) {
  return guarded("oct_tensor_destroy", [&] {
    if (tensor == nullptr) return;
    oct_tensor* owner = tensor->base;
    if (owner != nullptr) delete tensor;  // a view: drop its hold on the owner
    else owner = tensor;
    release_tensor(owner);
  });
}

OCT_API oct_status_t oct_tensor_view(oct_tensor_t base, int32_t rank, const int64_t* shape,
                                     int64_t offset, oct_tensor_t* out) {
  return guarded("oct_tensor_view", [&] {
    require(out != nullptr, "argument 'out' is NULL");
    *out = nullptr;
    const oct_tensor& b = api::tensor_arg(base, "base");
    require(rank >= 1 && rank <= OCT_MAX_RANK, "argument 'rank' is %d; must be 1..%d", rank,
            OCT_MAX_RANK);
    require(shape != nullptr, "argument 'shape' is NULL");
    int64_t numel = 1;
    for (int i = 0; i < rank; ++i) {
      require(shape[i] >= 1, "argument 'shape[%d]' is %lld; extents must be >= 1", i,
              (long long)shape[i]);
      require(numel <= b.numel / shape[i],
              "argument 'shape' has more elements than argument 'base' %s",
              api::shape_string(b).c_str());
      numel *= shape[i];
    }
    require(offset >= 0 && offset <= b.numel - numel,
            "argument 'offset' is %lld; a view of %lld elements must start in [0, %lld]",
            (long long)offset, (long long)numel, (long long)(b.numel - numel));
    oct_tensor* owner = b.base != nullptr ? b.base : base;
    auto* v = new oct_tensor{};
    v->context = b.context;
    v->base = owner;
    v->dtype = b.dtype;
    v->rank = rank;
    for (int i = 0; i < OCT_MAX_RANK; ++i) v->shape[i] = i < rank ? shape[i] : 1;
    v->numel = numel;
    v->nbytes = numel * dtype_size(b.dtype);
    v->data = static_cast<char*>(b.data) + offset * dtype_size(b.dtype);
    owner->refs.fetch_add(1);
    *out = v;
  });
}

OCT_API oct_status_t oct_tensor_describe(oct_tensor_t tensor, oct_tensor_desc_t* out) {
  return guarded("oct_tensor_describe", [&] {
    const oct_tensor& t = api::tensor_arg(tensor, "tensor");
    require(out != nullptr, "argument 'out' is NULL");
    out->dtype = t.dtype;
    out->rank = t.rank;
    for (int i = 0; i < OCT_MAX_RANK; ++i) out->shape[i] = t.shape[i];
    out->numel = t.numel;
    out->nbytes = t.nbytes;
    out->backend = t.context->backend;
    out->device = t.context->device;
    out->data = t.data;
  });
}

OCT_API oct_status_t oct_tensor_copy_from_host(oct_tensor_t dst, const void* src, int64_t nbytes,
                                               oct_stream_t stream) {
  return guarded("oct_tensor_copy_from_host", [&] {
    const oct_tensor& t = api::tensor_arg(dst, "dst");
    require(src != nullptr, "argument 'src' is NULL");
    require(nbytes == t.nbytes, "argument 'nbytes' is %lld; the tensor holds %lld bytes",
            (long long)nbytes, (long long)t.nbytes);
    void* s = api::launch_stream(t.context, stream);
    if (t.context->backend == OCT_BACKEND_CPU) {
      std::memcpy(t.data, src, static_cast<size_t>(nbytes));
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::copy_from_host(*t.context, t.data, src, nbytes, s);
#endif
    }
    (void)s;
  });
}

OCT_API oct_status_t oct_tensor_copy_to_host(oct_tensor_t src, void* dst, int64_t nbytes,
                                             oct_stream_t stream) {
  return guarded("oct_tensor_copy_to_host", [&] {
    const oct_tensor& t = api::tensor_arg(src, "src");
    require(dst != nullptr, "argument 'dst' is NULL");
    require(nbytes == t.nbytes, "argument 'nbytes' is %lld; the tensor holds %lld bytes",
            (long long)nbytes, (long long)t.nbytes);
    void* s = api::launch_stream(t.context, stream);
    if (t.context->backend == OCT_BACKEND_CPU) {
      std::memcpy(dst, t.data, static_cast<size_t>(nbytes));
    } else {
#ifdef OCTET_WITH_CUDA
      cuda::copy_to_host(*t.context, dst, t.data, nbytes, s);
#endif
    }
    (void)s;
  });
}

}  // extern "C"
