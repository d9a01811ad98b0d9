// Per-device facts the launchers need, queried once per device and cached (thread-safe).
#pragma once

#include <cuda_runtime.h>

#include <atomic>

#include "cuda/common/check.cuh"

namespace octet::cuda {

struct DeviceTraits {
  int sm = 0;              // major * 10 + minor
  int sm_count = 0;        // multiprocessors
  int smem_optin = 0;      // bytes of shared memory a block may opt in to
};

// Throws NOT_SUPPORTED for an ordinal beyond the table (64 devices).
const DeviceTraits& device_traits(int device);

// Opts `Kernel` in to `bytes` of dynamic shared memory on `device` (the current device, past
// device_traits()), once per kernel and device: the attribute is per device, and setting it on
// every launch costs a driver call.
template <auto Kernel>
void opt_in_smem(int device, int bytes) {
  static std::atomic<int> granted[64] = {};  // bytes already granted; 0: not yet
  if (granted[device].load(std::memory_order_acquire) >= bytes) return;
  OCT_CUDA_CHECK(cudaFuncSetAttribute(Kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  granted[device].store(bytes, std::memory_order_release);
}

}  // namespace octet::cuda
