// The sm_90a int8 GEMMs with bf16 output and LLM.int8()'s outlier part in the main loop (the
// internal GemmS8Problem::outlier_x / outlier_w; see gemm_s8_sm90.cuh); compiled for sm_90a only.
#include "cuda/int8_gemm/gemm_s8_sm90.cuh"

namespace octet::cuda::int8_gemm {

void run_sm90_bf16_outlier(const GemmS8Problem& p, int sm_count, cudaStream_t stream) {
  sm90::dispatch<cutlass::bfloat16_t, true>(p, sm_count, stream);
}

}  // namespace octet::cuda::int8_gemm
