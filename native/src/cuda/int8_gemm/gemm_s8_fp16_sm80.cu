// The sm_80 int8 GEMMs with fp16 output (see gemm_s8_sm80.cuh); compiled for sm_80 only.
#include "cuda/int8_gemm/gemm_s8_sm80.cuh"

namespace octet::cuda::int8_gemm {

void run_sm80_fp16(const GemmS8Problem& p, cudaStream_t stream) {
  sm80::dispatch_scaled<cutlass::half_t>(p, stream);
}

}  // namespace octet::cuda::int8_gemm
