// CUDA backend: devices, streams, memory. Kernels live in one folder per family beside this.
#include <cuda_runtime.h>

#include <cstring>
#include <mutex>

#include "backends.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"

namespace octet::cuda {

int32_t device_count() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: not an error, just no GPU
    return 0;
  }
  return count;
}

const DeviceTraits& device_traits(int device) {
  constexpr int kMaxDevices = 64;
  static DeviceTraits table[kMaxDevices];
  static std::once_flag once[kMaxDevices];
  if (device < 0 || device >= kMaxDevices)
    fail(OCT_STATUS_NOT_SUPPORTED, "CUDA device ordinal %d is beyond the %d supported", device,
         kMaxDevices);
  std::call_once(once[device], [device] {
    int major = 0, minor = 0, sms = 0, smem = 0;
    OCT_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    OCT_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
    OCT_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    OCT_CUDA_CHECK(cudaDeviceGetAttribute(&smem, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    table[device] = DeviceTraits{major * 10 + minor, sms, smem};
  });
  return table[device];
}

void device_info(int32_t device, oct_device_info_t& info) {
  cudaDeviceProp prop{};
  OCT_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  std::memset(&info, 0, sizeof(info));
  std::strncpy(info.name, prop.name, OCT_DEVICE_NAME_CAPACITY - 1);
  info.sm_major = prop.major;
  info.sm_minor = prop.minor;
  info.multiprocessor_count = prop.multiProcessorCount;
  size_t free_bytes = 0, total_bytes = 0;
  OCT_CUDA_CHECK(cudaSetDevice(device));
  OCT_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  info.total_memory_bytes = static_cast<int64_t>(total_bytes);
  info.free_memory_bytes = static_cast<int64_t>(free_bytes);
}

void context_init(oct_context& context) {
  OCT_CUDA_USE_DEVICE(context);
  cudaStream_t s = nullptr;
  OCT_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  context.default_stream = s;
}

void context_release(oct_context& context) {
  if (context.default_stream == nullptr) return;
  OCT_CUDA_USE_DEVICE(context);
  OCT_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(context.default_stream)));
  OCT_CUDA_CHECK(cudaStreamDestroy(static_cast<cudaStream_t>(context.default_stream)));
  context.default_stream = nullptr;
}

void* stream_create(oct_context& context) {
  OCT_CUDA_USE_DEVICE(context);
  cudaStream_t s = nullptr;
  OCT_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return s;
}

void stream_synchronize(const oct_context& context, void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  OCT_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
}

void stream_destroy(const oct_context& context, void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  OCT_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
  OCT_CUDA_CHECK(cudaStreamDestroy(static_cast<cudaStream_t>(stream)));
}

void* malloc_device(const oct_context& context, int64_t nbytes) {
  OCT_CUDA_USE_DEVICE(context);
  void* p = nullptr;
  OCT_CUDA_CHECK(cudaMalloc(&p, static_cast<size_t>(nbytes)));
  return p;
}

void free_device(const oct_context& context, void* ptr) {
  OCT_CUDA_USE_DEVICE(context);
  OCT_CUDA_CHECK(cudaFree(ptr));
}

void copy_from_host(const oct_context& context, void* dst, const void* src, int64_t nbytes,
                    void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  auto s = static_cast<cudaStream_t>(stream);
  OCT_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(nbytes), cudaMemcpyHostToDevice, s));
  OCT_CUDA_CHECK(cudaStreamSynchronize(s));
}

void copy_to_host(const oct_context& context, void* dst, const void* src, int64_t nbytes,
                  void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  auto s = static_cast<cudaStream_t>(stream);
  OCT_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(nbytes), cudaMemcpyDeviceToHost, s));
  OCT_CUDA_CHECK(cudaStreamSynchronize(s));
}

}  // namespace octet::cuda
