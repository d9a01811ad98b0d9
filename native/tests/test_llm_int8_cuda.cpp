// LLM.int8() on the CUDA backend (llm_int8_check.hpp): against the float64 reference of the same
// decomposition over M in {1, 7, 128, 2048}, K in {256, 4096}, 0/1/8/64/K/2 outlier columns
// (and decode sizes at K = 11008 and 16392; 100 columns at M = 40, 200, 700), the promotion past K / 32 outlier columns (then the
// output is oct_gemm_w8a16's bit for bit),
// fp16/bf16, bias on/off, plus shapes that leave the tensor-core paths (K % 16 != 0, N % 8 != 0,
// K % 8 != 0 for the scalar speculative pass); outlier columns mostly under the threshold and a
// NaN in a regular column; bit-identity with W8A8 (oct_quantize_activations +
// oct_gemm_s8 on the GPU) when no column is an outlier; the device-side outlier count; a forward
// captured in a CUDA graph and replayed on new inputs; the SQNR gain on planted outliers; bad
// input. Outputs, workspace and count are poisoned before each run. Skipped (77) without a GPU.
#include "llm_int8_check.hpp"

using harness::Tensor;

namespace {

// Captures one forward, then replays it on two fresh input sets written into the same x tensor.
void graph_case(oct_context_t ctx, oct_stream_t stream, int64_t m, int64_t n, int64_t k,
                oct_dtype_t d, uint64_t seed) {
  const llm_ref::Inputs first = llm_ref::make_inputs(m, n, k, 8, true, d, seed);
  llm_ref::Operands t(ctx, first);
  Tensor ws(ctx, OCT_DTYPE_INT8, {llm_ref::workspace_bytes(m, n, k)});
  ws.poison();
  OCT(oct_stream_begin_capture(stream));
  OCT(oct_linear_llm_int8(t.x.t, llm_ref::kThreshold, t.q.t, t.ws.t, t.bias.t, ws.t, t.out.t,
                          t.count.t, stream));
  oct_graph_t graph = nullptr;
  OCT(oct_stream_end_capture(stream, &graph));
  int replay = 0;
  for (int outliers : {3, 40}) {
    // Same weight and bias (they are baked into the graph's tensors), new activations.
    llm_ref::Inputs in = llm_ref::make_inputs(m, n, k, outliers, true, d, seed + 1 + replay);
    in.w = first.w;
    in.q = first.q;
    in.w_scale = first.w_scale;
    in.bias = first.bias;
    const llm_ref::Reference ref(in, llm_ref::kThreshold);
    t.x.upload(in.x);
    t.out.poison();
    t.count.poison();
    OCT(oct_graph_launch(graph, stream));
    OCT(oct_stream_synchronize(stream));
    const int bad = llm_ref::check_output(in, ref, t.out.download<uint16_t>(), seed + 7);
    const int32_t count = t.count.download<int32_t>()[0];
    if (bad || count != outliers)
      std::fprintf(stderr, "graph replay %d (M=%lld N=%lld K=%lld): %d outside tolerance, count %d (expected %d)\n",
                   replay, (long long)m, (long long)n, (long long)k, bad, count, outliers);
    CHECK(bad == 0);
    CHECK(count == outliers);
    ++replay;
  }
  OCT(oct_graph_destroy(graph));
}

}  // namespace

int main() {
  if (!harness::cuda_device_present("test_llm_int8_cuda")) return harness::kSkipped;
  oct_device_info_t info;
  OCT(oct_cuda_device_info(0, &info));
  int32_t cutlass = 0;
  OCT(oct_cutlass_is_built(&cutlass));
  std::printf("test_llm_int8_cuda: %s (sm_%d%d), CUTLASS kernels %s\n", info.name, info.sm_major,
              info.sm_minor, cutlass ? "built" : "not built (portable int8 GEMM)");
  oct_context_t ctx = nullptr;
  oct_stream_t stream = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CUDA, 0, &ctx));
  OCT(oct_stream_create(ctx, &stream));
  uint64_t seed = 1700;
  int cases = 0;
  for (int64_t m : {1, 7, 128, 2048})
    for (int64_t k : {256, 4096})
      for (int outliers : {0, 1, 8, 64, int(k / 2)})
        for (int v = 0; v < 2; ++v) {  // fp16 with bias, bf16 without (and the reverse per K)
          const bool bf16 = (v + (k == 4096)) % 2 == 1;
          const int64_t n = m == 2048 ? 512 : 256;
          llm_ref::run_case(ctx, stream, m, n, k, outliers, v == 0, bf16 ? OCT_DTYPE_BF16 : OCT_DTYPE_FP16, seed += 10);
          ++cases;
        }
  // 100 outlier columns: two of the sm90 GEMM's outlier blocks, the second partly filled (its
  // MMA steps past the count skipped), in each M bucket's tile configuration.
  for (int64_t m : {40, 200, 700})
    for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
      llm_ref::run_case(ctx, stream, m, 264, 4096, 100, d == OCT_DTYPE_FP16, d, seed += 10);
      ++cases;
    }
  // Outlier columns with values under the threshold in most rows (those rows' absmax over
  // |x| <= threshold lies in an outlier column, which the row's scale must leave out), and a NaN
  // in a regular column (no outlier there; that row's outputs NaN), and with more values above
  // the threshold in row 0 than a layer keeps as outliers, in NaN columns (kNaNWide: the
  // speculative prep skips that row, then redoes every row): the decode prep, the speculative
  // pair or the fused prep (M = 128, 2048; 23-row blocks at M = 3000), bf16 and fp16.
  for (llm_ref::Pattern pattern : {llm_ref::kSparse, llm_ref::kNaN, llm_ref::kNaNWide})
    for (int64_t m : {7, 128, 2048, 3000})
      for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
        llm_ref::run_case(ctx, stream, m, m == 3000 ? 264 : 512, m == 3000 ? 4096 : 1024,
                          m == 7 ? 5 : 24, d == OCT_DTYPE_BF16, d, seed += 10, pattern);
        ++cases;
      }
  // Off the fast paths: N % 8 != 0 (portable int8 GEMM, odd C row stride), K % 16 != 0,
  // K % 8 != 0 (the scalar speculative pass), M not a multiple of the tiles.
  const int64_t odd[][4] = {{5, 37, 256, 8}, {130, 72, 40, 5}, {17, 36, 100, 50}, {3, 9, 4099, 64}, {65, 200, 1000, 500}};
  for (auto& s : odd)
    for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
      llm_ref::run_case(ctx, stream, s[0], s[1], s[2], int(s[3]), true, d, seed += 10);
      ++cases;
    }
  // The decode prep (M blocks, each with all of x in its shared memory: M * K <= 24 * 4096) with
  // the decode kernel that computes the outlier part: rows of one, two (K = 4112, 6000) and four
  // (K = 16384 at M = 1) chunks of 4096 columns per block, a partial last 32-column group of c
  // (N = 77, 520), one and many 128-outlier steps, and N past what one wave of blocks covers (the
  // blocks loop over N); 16 x 16384 goes to the speculative pair with the same decode kernel.
  const int64_t decode[][4] = {{4, 77, 4096, 300}, {8, 520, 4096, 8}, {12, 77, 4096, 2048},
                               {16, 520, 3072, 8}, {16, 264, 3072, 1536}, {2, 12000, 2048, 200},
                               {8, 77, 6000, 40}, {16, 40, 144, 5}, {13, 72, 4112, 9},
                               {16, 40, 16384, 100}, {1, 264, 16384, 8}};
  for (auto& s : decode)
    for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
      llm_ref::run_case(ctx, stream, s[0], s[1], s[2], int(s[3]), d == OCT_DTYPE_FP16, d, seed += 10);
      ++cases;
    }
  // Long rows (past the 16384 columns a thread block holds in registers) past the fused prep's
  // reach (rows on chip: M * K * 2 bytes over the SMs; the list as uint16, K <= 65535): the
  // speculative pair's loop kernel.
  const int64_t big[][4] = {{4000, 64, 4096, 8}, {40, 24, 65544, 20}, {1200, 40, 28672, 20}};
  for (auto& s : big) {
    llm_ref::run_case(ctx, stream, s[0], s[1], s[2], int(s[3]), true, OCT_DTYPE_FP16, seed += 10);
    ++cases;
  }
  // Llama-2-7B shapes at the cost-target sizes (sampled check).
  for (int64_t m : {1, 16, 2048}) {
    llm_ref::run_case(ctx, stream, m, 4096, 4096, 8, true, OCT_DTYPE_FP16, seed += 10);
    ++cases;
  }
  // The decode paths at long rows (the decode prep takes up to 16384 columns; past that the
  // general path): the down projection's K = 11008, and K = 16392 just past the limit.
  for (int64_t m : {1, 5, 16})
    for (int64_t k : {11008, 16392})
      for (int outliers : {0, 8, 3000}) {
        llm_ref::run_case(ctx, stream, m, 264, k, outliers, m != 5, m == 5 ? OCT_DTYPE_BF16 : OCT_DTYPE_FP16, seed += 10);
        ++cases;
      }
  for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
    llm_ref::run_identity_case(ctx, stream, 33, 40, 256, 0, 6.0f, d, seed += 10);
    llm_ref::run_identity_case(ctx, stream, 2048, 512, 4096, 8, 1e30f, d, seed += 10);
    llm_ref::run_identity_case(ctx, stream, 1, 4096, 4096, 0, 6.0f, d, seed += 10);
  }
  // The promotion boundary (K / 32 outlier columns: decomposed; one more: the W8A16 layer, bit
  // for bit) at decode sizes (the decode kernel's W8A16 branch), past them (the gated W8A16 GEMM
  // after the int8 GEMM) and off the tensor-core paths.
  const int64_t promo[][3] = {{1, 4096, 4096}, {16, 4096, 4096}, {7, 256, 256}, {300, 512, 4096},
                              {2048, 512, 4096}, {5, 37, 256}, {130, 72, 11008}};
  for (auto& s : promo)
    for (int extra : {0, 1, 500})
      for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
        const int outliers = int(std::min<int64_t>(s[2] / 32 + extra, s[2]));
        llm_ref::run_promoted_case(ctx, stream, s[0], s[1], s[2], outliers, d, seed += 10);
        ++cases;
      }
  for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
    const auto [llm, w8a8] = llm_ref::sqnr_case(ctx, stream, 64, 128, d, seed += 10);
    std::printf("test_llm_int8_cuda: planted outliers (%s): SQNR LLM.int8() %.2f dB, W8A8 per token %.2f dB\n",
                d == OCT_DTYPE_FP16 ? "fp16" : "bf16", llm, w8a8);
    CHECK(llm >= w8a8 + 10.0);
  }
  graph_case(ctx, stream, 128, 256, 4096, OCT_DTYPE_FP16, seed += 10);
  graph_case(ctx, stream, 1, 512, 256, OCT_DTYPE_BF16, seed += 10);
  llm_ref::bad_inputs(ctx);
  OCT(oct_stream_destroy(stream));
  OCT(oct_context_destroy(ctx));
  std::printf("test_llm_int8_cuda: %d reference cases\n", cases);
  return harness::finish("test_llm_int8_cuda");
}
