// oct_gemm_w8a16 on the GPU: picks the kernel by M. Up to kSkinnyMaxM rows the problem is a
// weight stream (memory bound) and the skinny kernel reads every weight byte once; above it the
// tensor-core GEMM tiles M. Both are enqueued on the caller's stream, allocate nothing and never
// synchronise, so a forward can be captured in a CUDA graph.
#include "backends.hpp"
#include "cuda/common/check.cuh"
#include "cuda/w8a16/w8a16.cuh"

namespace octet::cuda {

void gemm_w8a16(const oct_tensor& x, const oct_tensor& q, const oct_tensor& scales,
                int64_t group, const oct_tensor* bias, oct_tensor& out, void* stream) {
  OCT_CUDA_USE_DEVICE(*x.context);
  int sm_count = 0, major = 0;
  OCT_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount,
                                        x.context->device));
  OCT_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor,
                                        x.context->device));
  if (major < 8)
    fail(OCT_STATUS_ARCH_MISMATCH,
         "oct_gemm_w8a16 needs a GPU of compute capability 8.0 or newer (mma.sync with bf16); "
         "device %d has %d.x", x.context->device, major);
  w8a16::Problem p;
  p.x = x.data;
  p.q = static_cast<const int8_t*>(q.data);
  p.scales = static_cast<const float*>(scales.data);
  p.bias = bias != nullptr ? bias->data : nullptr;
  p.out = out.data;
  p.m = static_cast<int>(x.shape[0]);
  p.n = static_cast<int>(q.shape[0]);
  p.k = static_cast<int>(q.shape[1]);
  p.group_size = static_cast<int>(group);
  p.groups = static_cast<int>(q.shape[1] / group);
  auto s = static_cast<cudaStream_t>(stream);
  const bool skinny = p.m <= w8a16::kSkinnyMaxM;
  if (x.dtype == OCT_DTYPE_FP16) {
    skinny ? w8a16::launch_skinny<__half>(p, s)
           : w8a16::launch_gemm<__half>(p, x.context->device, sm_count, s);
  } else {
    skinny ? w8a16::launch_skinny<__nv_bfloat16>(p, s)
           : w8a16::launch_gemm<__nv_bfloat16>(p, x.context->device, sm_count, s);
  }
}

}  // namespace octet::cuda
