// Per-device facts the launchers need, queried once per device and cached (thread-safe).
#pragma once

namespace octet::cuda {

struct DeviceTraits {
  int sm = 0;              // major * 10 + minor
  int sm_count = 0;        // multiprocessors
  int smem_optin = 0;      // bytes of shared memory a block may opt in to
};

// Throws NOT_SUPPORTED for an ordinal beyond the table (64 devices).
const DeviceTraits& device_traits(int device);

}  // namespace octet::cuda
