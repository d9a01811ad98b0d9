// W8A16 sm90 CUTLASS GEMM for __nv_bfloat16 activations (see gemm_sm90_impl.cuh). sm_90a only.
#if defined(OCTET_WITH_CUTLASS)
#include "cuda/w8a16/gemm_sm90_impl.cuh"

namespace octet::cuda::w8a16 {
template void launch_gemm_sm90<__nv_bfloat16>(const Problem&, int, cudaStream_t);
}  // namespace octet::cuda::w8a16
#endif
