// Per-device facts the launchers need, queried once per device and cached (thread-safe).
#pragma once

#include <cuda_runtime.h>

#include <atomic>
#include <cstdint>
#include <mutex>

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

// The most dynamic shared memory `Kernel` may use on `device`: the opt-in limit less its static
// shared memory, granted to it on the first call per device (under a lock; later calls only
// read the cached value). No std::call_once: a CUDA error thrown from inside it would not reach
// the caller on every C++ runtime.
template <auto Kernel>
int64_t opt_in_all_smem(int device, int optin) {
  static std::mutex mu;
  static std::atomic<int64_t> granted[64] = {};  // device_traits() bounds the ordinal; 0: not yet
  if (const int64_t g = granted[device].load(std::memory_order_acquire); g != 0) return g;
  std::lock_guard<std::mutex> lock(mu);
  if (granted[device].load(std::memory_order_relaxed) == 0) {
    cudaFuncAttributes a{};
    OCT_CUDA_CHECK(cudaFuncGetAttributes(&a, Kernel));
    const int64_t bytes = int64_t(optin) - int64_t(a.sharedSizeBytes);
    OCT_CUDA_CHECK(cudaFuncSetAttribute(Kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        static_cast<int>(bytes)));
    granted[device].store(bytes, std::memory_order_release);
  }
  return granted[device].load(std::memory_order_relaxed);
}

// How many blocks of `threads` threads (no dynamic shared memory) of `Kernel` fit on one
// multiprocessor of `device` (the current device), queried once per kernel and device.
template <auto Kernel>
int resident_blocks(int device, int threads) {
  static std::atomic<int> blocks[64] = {};  // device_traits() bounds the ordinal; 0: not yet
  if (const int b = blocks[device].load(std::memory_order_acquire); b != 0) return b;
  int b = 0;
  OCT_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&b, Kernel, threads, 0));
  b = b > 0 ? b : 1;
  blocks[device].store(b, std::memory_order_release);
  return b;
}

}  // namespace octet::cuda
