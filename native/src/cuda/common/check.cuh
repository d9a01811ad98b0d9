// CUDA error checking for liboctet: every runtime call and every launch is checked, and a
// failure becomes an octet::Error with the call, the CUDA error name and the place.
#pragma once

#include <cuda_runtime.h>

#include "common/error.hpp"

namespace octet::cuda {

[[noreturn]] inline void throw_cuda(cudaError_t err, const char* what, const char* file, int line) {
  // Reset the runtime's last-error state, so that a recoverable failure (an allocation that did
  // not fit) is not reported again by the next launch check. Sticky errors stay sticky.
  (void)cudaGetLastError();
  oct_status_t status = (err == cudaErrorMemoryAllocation) ? OCT_STATUS_OUT_OF_MEMORY
                                                            : OCT_STATUS_CUDA_ERROR;
  fail(status, "%s failed: %s (%s) at %s:%d", what, cudaGetErrorName(err),
       cudaGetErrorString(err), file, line);
}

// Makes `device` current for the calling thread (CUDA keeps the current device per thread).
inline void use_device(int32_t device, const char* file, int line) {
  cudaError_t err = cudaSetDevice(device);
  if (err != cudaSuccess) throw_cuda(err, "cudaSetDevice", file, line);
}

}  // namespace octet::cuda

#define OCT_CUDA_CHECK(expr)                                                     \
  do {                                                                           \
    cudaError_t oct_err_ = (expr);                                               \
    if (oct_err_ != cudaSuccess)                                                 \
      ::octet::cuda::throw_cuda(oct_err_, #expr, __FILE__, __LINE__);            \
  } while (0)

// After a kernel launch: reports launch-configuration errors without synchronising.
#define OCT_CUDA_CHECK_LAUNCH(name)                                              \
  do {                                                                           \
    cudaError_t oct_err_ = cudaGetLastError();                                   \
    if (oct_err_ != cudaSuccess)                                                 \
      ::octet::cuda::throw_cuda(oct_err_, "launch of " name, __FILE__, __LINE__); \
  } while (0)

#define OCT_CUDA_USE_DEVICE(ctx) ::octet::cuda::use_device((ctx).device, __FILE__, __LINE__)
