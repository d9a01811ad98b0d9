// Per-device facts the launchers need, queried once per device and cached (thread-safe).
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
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

// Blocks of `Kernel` (no dynamic shared memory) resident per SM at `threads` per block on
// `device`, which must be the current device and have passed device_traits() (that bounds the
// ordinal). Queried once per kernel and device: GPUs of different models may share a process.
template <auto Kernel>
int blocks_per_sm(int device, int threads) {
  static std::atomic<int> cached[64] = {};  // 0: not yet queried
  int v = cached[device].load(std::memory_order_relaxed);
  if (v == 0) {
    OCT_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&v, Kernel, threads, 0));
    v = std::max(v, 1);
    cached[device].store(v, std::memory_order_relaxed);  // the same value from any thread
  }
  return v;
}

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
