// Programmatic dependent launch (sm_90+): a kernel that produces the input of a PDL-launched
// consumer (the sm90 int8 GEMMs, the W8A16 decode kernel) calls allow_dependent_launch() so that
// the consumer's launch and prologue overlap its own execution. The consumer still waits
// (wait_for_prerequisites; CUTLASS's kernels do it themselves) for this grid to complete, and its
// memory to be visible, before it reads anything, so where the call sits only affects speed.
#pragma once

namespace octet::cuda {

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
