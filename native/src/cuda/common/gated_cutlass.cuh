// A CUTLASS 3.x (sm90) kernel behind a device-side gate: the same kernel as
// GemmUniversalAdapter::run launches, except that every CTA first reads an int32 count written by
// an earlier kernel on the stream and returns at once unless the gate is open. LLM.int8() uses it
// to choose, without a host round trip, between the decomposition and the promoted (all columns
// in fp16/bf16) layer: both are enqueued, one of them does the work (cuda/llm_int8/llm_int8.cu).
// A closed gate costs a launch whose CTAs exit (~2-3 us for a persistent grid on an H100).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/common/pdl.cuh"
#include "cutlass/cluster_launch.hpp"
#include "cutlass/cutlass.h"

namespace octet::cuda {

struct CountGate {
  const int32_t* count = nullptr;
  int64_t above = 0;
  bool open_when_over = true;  // open when *count > above; false: open when *count <= above
};

template <class Kernel>
__global__ void __launch_bounds__(Kernel::MaxThreadsPerBlock, Kernel::MinBlocksPerMultiprocessor)
gated_device_kernel(CUTLASS_GRID_CONSTANT typename Kernel::Params const params, CountGate gate) {
  // A kernel after us launched with PDL may place its CTAs as ours exit (it waits for our
  // completion before it reads anything): with a closed gate that is at once.
  allow_dependent_launch();
  wait_for_prerequisites();  // the count comes from an earlier kernel (a no-op without PDL)
  if ((*gate.count > gate.above) != gate.open_when_over) return;
  extern __shared__ char smem[];
  Kernel op;
  op(params, smem);
}

// Launches Kernel (a GemmUniversal) with `params` (Kernel::to_underlying_arguments) behind `gate`.
template <class Kernel>
void launch_gated(typename Kernel::Params const& params, CountGate gate, bool pdl,
                  cudaStream_t stream) {
  const dim3 block = Kernel::get_block_shape();
  const dim3 grid = Kernel::get_grid_shape(params);
  const int smem = Kernel::SharedStorageSize;
  auto* fn = gated_device_kernel<Kernel>;
  int device = 0;
  OCT_CUDA_CHECK(cudaGetDevice(&device));  // the caller's context made it current
  opt_in_smem<gated_device_kernel<Kernel>>(device, smem);
  using Cluster = typename Kernel::DispatchPolicy::ClusterShape;
  const dim3 cluster(cute::size<0>(Cluster{}), cute::size<1>(Cluster{}), cute::size<2>(Cluster{}));
  void* args[] = {const_cast<void*>(static_cast<const void*>(&params)), &gate};
  const cutlass::Status st = cutlass::ClusterLauncher::launch(
      grid, cluster, block, smem, stream, reinterpret_cast<const void*>(fn), args, pdl);
  if (st != cutlass::Status::kSuccess)
    fail(OCT_STATUS_CUDA_ERROR, "launch of a gated CUTLASS kernel failed: %s (%s)",
         cutlassGetStatusString(st), cudaGetErrorString(cudaGetLastError()));
  OCT_CUDA_CHECK_LAUNCH("gated CUTLASS kernel");
}

}  // namespace octet::cuda
