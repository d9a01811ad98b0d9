// LLM.int8() on the CPU backend against the float64 reference of the same decomposition
// (llm_int8_check.hpp): M in {1, 7, 128}, K in {256, 4096}, 0/1/8/64/K/2 outlier columns and
// K / 32 and K / 32 + 1 (the promotion boundary: past it every column is an outlier), fp16
// and bf16, with and without bias; outlier columns mostly under the threshold and a NaN in a
// regular column; bit-identity with W8A8 when no column is an outlier; the SQNR
// gain on planted outliers; bad input.
#include "llm_int8_check.hpp"

int main() {
  oct_context_t ctx = nullptr;
  oct_stream_t stream = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &ctx));
  OCT(oct_stream_create(ctx, &stream));
  uint64_t seed = 700;
  int cases = 0;
  for (int64_t m : {1, 7, 128})
    for (int64_t k : {256, 4096})
      for (int outliers : {0, 1, 8, 64, int(k / 32), int(k / 32) + 1, int(k / 2)}) {
        const oct_dtype_t d = (cases % 2) ? OCT_DTYPE_BF16 : OCT_DTYPE_FP16;
        const int64_t n = (cases % 3 == 0) ? 37 : 72;  // an odd N too
        llm_ref::run_case(ctx, stream, m, n, k, outliers, cases % 4 != 1, d, seed += 10);
        ++cases;
      }
  // Outlier columns mostly under the threshold, and a NaN in a regular column (llm_int8_check.hpp)
  for (llm_ref::Pattern pattern : {llm_ref::kSparse, llm_ref::kNaN, llm_ref::kNaNWide})
    for (int64_t m : {1, 7, 128}) {
      const oct_dtype_t d = m == 7 ? OCT_DTYPE_BF16 : OCT_DTYPE_FP16;
      llm_ref::run_case(ctx, stream, m, 72, 1024, 24, m != 1, d, seed += 10, pattern);
      ++cases;
    }
  for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
    llm_ref::run_identity_case(ctx, stream, 33, 40, 256, 0, 6.0f, d, seed += 10);
    llm_ref::run_identity_case(ctx, stream, 5, 24, 4096, 8, 1e30f, d, seed += 10);
  }
  for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
    const auto [llm, w8a8] = llm_ref::sqnr_case(ctx, stream, 32, 64, d, seed += 10);
    std::printf("test_llm_int8_cpu: planted outliers (%s): SQNR LLM.int8() %.2f dB, W8A8 per token %.2f dB\n",
                d == OCT_DTYPE_FP16 ? "fp16" : "bf16", llm, w8a8);
    CHECK(llm >= w8a8 + 10.0);
  }
  llm_ref::bad_inputs(ctx);
  OCT(oct_stream_destroy(stream));
  OCT(oct_context_destroy(ctx));
  std::printf("test_llm_int8_cpu: %d reference cases\n", cases);
  return harness::finish("test_llm_int8_cpu");
}
