// Programmatic dependent launch (sm_90+): a kernel that produces the input of a PDL-launched
// consumer (the sm90 int8 GEMMs, the W8A16 decode kernel) calls allow_dependent_launch() so that
// the consumer's launch and prologue overlap its own execution. The consumer still waits
// (wait_for_prerequisites; CUTLASS's kernels do it themselves) for this grid to complete, and its
// memory to be visible, before it reads anything, so where the call sits only affects speed.
#pragma once

#include <cuda_runtime.h>

namespace octet::cuda {

// Host: a launch configuration for cudaLaunchKernelEx, with programmatic dependent launch when
// `pdl` (compute capability 9.0 and newer). Holds its attribute, so it is neither copied nor moved.
struct PdlLaunch {
  cudaLaunchConfig_t cfg = {};
  cudaLaunchAttribute attr[1] = {};
  PdlLaunch(dim3 grid, dim3 block, cudaStream_t stream, bool pdl) {
    cfg.gridDim = grid, cfg.blockDim = block, cfg.stream = stream;
    attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[0].val.programmaticStreamSerializationAllowed = 1;
    cfg.attrs = attr, cfg.numAttrs = pdl ? 1 : 0;
  }
  PdlLaunch(const PdlLaunch&) = delete;
  PdlLaunch& operator=(const PdlLaunch&) = delete;
};

__device__ __forceinline__ void allow_dependent_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// The consumer side, in a kernel launched with PDL: waits until the previous kernel on the
// stream has completed and its memory is visible. Every load of its results, and every store,
// must come after this. A no-op before sm_90 (and when the kernel was launched without PDL).
__device__ __forceinline__ void wait_for_prerequisites() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

}  // namespace octet::cuda
