// The structs behind the opaque handles of octet.h.
#pragma once

#include <atomic>
#include <cstdint>

#include "octet/octet.h"

// Whether `p` is a multiple of `bytes` (a power of two; a null pointer is). Allocations are
// 256-byte aligned, a view's data need not be: every path with vector loads checks its operands
// with this.
inline bool is_aligned(const void* p, std::uintptr_t bytes) {
  return reinterpret_cast<std::uintptr_t>(p) % bytes == 0;
}

struct oct_context {
  oct_backend_t backend;
  int32_t device;               // CUDA ordinal; 0 on the CPU
  void* default_stream;         // cudaStream_t of the context's default stream (CUDA only)
  std::atomic<int64_t> refs{1};  // the caller's reference + one per live tensor or stream
};

struct oct_stream {
  oct_context* context;
  void* handle;  // cudaStream_t on CUDA; unused on the CPU
};

struct oct_graph {
  oct_context* context;
  void* exec;  // cudaGraphExec_t
};

// A tensor owns its memory, or views part of another's (`base`, which it keeps alive).
struct oct_tensor {
  oct_context* context;
  oct_tensor* base;  // the owner of the memory for a view; nullptr for an owner
  oct_dtype_t dtype;
  int32_t rank;
  int64_t shape[OCT_MAX_RANK];
  int64_t numel;
  int64_t nbytes;
  void* data;
  std::atomic<int64_t> refs{1};  // an owner's: the caller's reference + one per live view
};

namespace octet {

inline int64_t dtype_size(oct_dtype_t dtype) {
  switch (dtype) {
    case OCT_DTYPE_INT8: return 1;
    case OCT_DTYPE_FP16:
    case OCT_DTYPE_BF16: return 2;
    case OCT_DTYPE_INT32:
    case OCT_DTYPE_FP32: return 4;
  }
  return 0;
}

inline const char* dtype_name(oct_dtype_t dtype) {
  switch (dtype) {
    case OCT_DTYPE_INT8: return "int8";
    case OCT_DTYPE_INT32: return "int32";
    case OCT_DTYPE_FP16: return "fp16";
    case OCT_DTYPE_BF16: return "bf16";
    case OCT_DTYPE_FP32: return "fp32";
  }
  return "unknown";
}

}  // namespace octet
