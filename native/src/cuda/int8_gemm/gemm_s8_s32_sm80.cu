// The sm_80 int8 GEMM with raw int32 output (see gemm_s8_sm80.cuh); compiled for sm_80 only.
#include "cuda/int8_gemm/gemm_s8_sm80.cuh"

namespace octet::cuda::int8_gemm {

void run_sm80_s32(const GemmS8Problem& p, cudaStream_t stream) {
  sm80::run<sm80::RawEpilogue>(p, stream);
}

}  // namespace octet::cuda::int8_gemm
