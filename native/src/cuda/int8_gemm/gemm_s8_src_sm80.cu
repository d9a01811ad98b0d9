// The sm_80 int8 GEMMs with a source term C (the internal GemmS8Problem::c; see
// gemm_s8_sm80.cuh), fp16 and bf16 output, per-channel b_scale; compiled for sm_80 only.
#include "cuda/int8_gemm/gemm_s8_sm80.cuh"

namespace octet::cuda::int8_gemm {

void run_sm80_fp16_src(const GemmS8Problem& p, cudaStream_t stream) {
  sm80::run<sm80::ScaledEpilogue<cutlass::half_t, true, true>>(p, stream);
}

void run_sm80_bf16_src(const GemmS8Problem& p, cudaStream_t stream) {
  sm80::run<sm80::ScaledEpilogue<cutlass::bfloat16_t, true, true>>(p, stream);
}

}  // namespace octet::cuda::int8_gemm
