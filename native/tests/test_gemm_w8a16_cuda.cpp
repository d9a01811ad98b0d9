// oct_gemm_w8a16 on the CUDA backend against the float64 reference that multiplies by the
// dequantized weight, within the tolerance derived in w8a16_check.hpp (fp32 accumulation over K
// plus one fp16/bf16 rounding). Shapes: M = 1..16 (skinny kernel), 17, 64, 333, 2048 (tensor-core
// GEMM, every tile configuration) on Llama-2-7B's (N, K); small odd N; K with a partial last
// chunk; per channel and groups of 64 and 128; bias on and off; fp16 and bf16. Outputs are
// poisoned with NaN before each run. Also: the wgmma GEMM's 256-token tile on partial tiles,
// groups of 192 and 256 (its other main loop), scales its running-sum form cannot take (zero,
// 2^40 apart in a row), results bitwise reproducible run to run, and a NaN scale poisons its own
// output column only. Skipped (77) without a GPU. ctest runs it also with OCTET_W8A16_KERNEL =
// skinny, gemm, sm90 and wgmma, forcing each kernel wherever it applies, and with the wgmma GEMM's
// 256-token tile forced, its split along K forced (3 ranks; 2 and 4 on the 256-token tile), and its
// tail launch forced on each token tile (OCTET_W8A16_TAIL=force), and the sm90 GEMM split in two
// launches on halves of the features (OCTET_W8A16_SM90_SPLIT=force).
#include <cstring>

#include "w8a16_check.hpp"

namespace {

struct Combo {
  int64_t group;
  oct_dtype_t dtype;
  bool bias;
};

// i = 0..11 walks all 12 (scheme, dtype, bias) combinations.
Combo combo(int i) {
  const int64_t groups[3] = {0, 64, 128};
  return {groups[i % 3], (i % 2) ? OCT_DTYPE_BF16 : OCT_DTYPE_FP16, ((i / 2) % 2) == 1};
}

int run_and_check(oct_context_t gpu, int64_t m, int64_t n, int64_t k, Combo c, uint64_t seed) {
  const auto p = w8a16::make_problem(m, n, k, c.group, c.dtype, c.bias, seed);
  return w8a16::check(p, w8a16::run(gpu, p), w8a16::rows_to_check(m, seed), "cuda");
}

}  // namespace

int main() {
  if (!harness::cuda_device_present("test_gemm_w8a16_cuda")) return harness::kSkipped;
  oct_context_t gpu = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CUDA, 0, &gpu));
  uint64_t seed = 9000;
  int bad = 0;

  // Llama-2-7B shapes: the M sweep, each M with another (scheme, dtype, bias) combination.
  const int64_t llama[3][2] = {{4096, 4096}, {11008, 4096}, {4096, 11008}};
  const int64_t ms[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,   10,  11,  12,  13,  14,
                        15, 16, 17, 24, 32, 33, 48, 64, 100, 128, 129, 333, 2048};
  for (int s = 0; s < 3; ++s) {
    int i = s;
    for (int64_t m : ms) bad += run_and_check(gpu, m, llama[s][0], llama[s][1], combo(i++), ++seed);
  }
  // Every kernel bucket with every combination: skinny with 1, 2, 4 and 8 token tiles, the
  // sm90 GEMM's 128 x 64 and 128 x 128 tiles (per channel) and the mma.sync GEMM.
  for (int64_t m : {1, 16, 32, 64, 100, 333})
    for (int i = 0; i < 12; ++i) bad += run_and_check(gpu, m, 4096, 4096, combo(i), ++seed);

  // Small and odd N; K with a partial 64-wide chunk (80, per channel) and small K.
  for (int64_t n : {1, 3, 257})
    for (int64_t k : {16, 80, 192, 4096})
      for (int64_t m : {1, 7, 9, 16, 17, 100}) {
        for (int i = 0; i < 12; i += 5) {
          Combo c = combo(i + static_cast<int>(m));
          if (c.group != 0 && k % c.group != 0) c.group = 0;
          bad += run_and_check(gpu, m, n, k, c, ++seed);
        }
      }
  // N past a 128-feature tile but a multiple of 8, K past a 64-wide step or short of one (the
  // wgmma GEMM's partial tiles and zero-filled TMA boxes), M past a 128-token tile.
  for (int64_t k : {16, 80, 320, 4096})
    for (int64_t m : {17, 129, 300})
      for (int i = 0; i < 12; i += 5) {
        Combo c = combo(i + static_cast<int>(m));
        if (c.group != 0 && k % c.group != 0) c.group = 0;
        bad += run_and_check(gpu, m, 264, k, c, ++seed);
      }
  // The wgmma GEMM's 256-token tile (taken where its grid fills the SMs): a partial last token
  // tile (1000 = 3 x 256 + 232), a partial feature tile (4104 = 32 x 128 + 8), and per channel a
  // partial last K step (4240 = 66 x 64 + 16).
  for (int i = 0; i < 12; ++i) {
    const Combo c = combo(i);
    bad += run_and_check(gpu, 1000, 4104, c.group == 0 ? 4240 : 4224, c, ++seed);
  }
  // Groups of 64 and 128 take the wgmma GEMM's split main loop (8 K steps unrolled, then a group
  // at a time: 4224 = 8 x 8 x 64 + 128 above); other multiples of 64 its drained one.
  for (int64_t group : {192, 256})
    for (int64_t m : {300, 1000}) {
      const Combo c{group, m == 300 ? OCT_DTYPE_FP16 : OCT_DTYPE_BF16, group == 256};
      bad += run_and_check(gpu, m, 264, 1536, c, ++seed);
    }
  CHECK(bad == 0);

  // Per group the wgmma GEMM carries its sums in units of the current group's scale; a tile whose
  // scales it cannot take that way (a zero scale; magnitudes 2^40 apart in one row, in bf16 so that
  // the outputs stay finite) is redone exactly, and the results meet the same tolerance.
  for (int64_t m : {300, 1000})
    for (int64_t group : {64, 128}) {
      auto p = w8a16::make_problem(m, 264, 1024, group, OCT_DTYPE_BF16, true, ++seed);
      p.s[5 * p.groups() + 3] = 0.0f;
      p.s[9 * p.groups() + 0] = 0x1p-20f;
      p.s[9 * p.groups() + 5] = 0x1p+20f;
      p.s[200 * p.groups() + p.groups() - 1] = -p.s[200 * p.groups() + p.groups() - 1];
      bad += w8a16::check(p, w8a16::run(gpu, p), w8a16::rows_to_check(m, seed), "cuda");
    }
  CHECK(bad == 0);

  // Bitwise reproducible: no atomics, fixed reduction order.
  for (int64_t m : {1, 16, 48, 333}) {
    const auto p = w8a16::make_problem(m, 4096, 11008, m == 333 ? 0 : 128, OCT_DTYPE_BF16, true, ++seed);
    const auto a = w8a16::run(gpu, p), b = w8a16::run(gpu, p);
    CHECK(a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 2) == 0);
  }

  // A NaN scale (what oct_quantize_weight writes for a non-finite weight group) makes its own
  // output column NaN and leaves the others correct.
  for (int64_t m : {4, 100}) {
    for (int64_t group : {0, 64}) {
      auto p = w8a16::make_problem(m, 40, 256, group, OCT_DTYPE_FP16, false, ++seed);
      const int64_t col = 5;
      p.s[col * p.groups() + p.groups() - 1] = NAN;
      const auto got = w8a16::run(gpu, p);
      int nan_ok = 0, other_bad = 0;
      for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < p.n; ++c) {
          const bool is_nan = std::isnan(w8a16::to_float(p.dtype, got[r * p.n + c]));
          if (c == col) nan_ok += is_nan;
          else other_bad += is_nan;
        }
      CHECK(nan_ok == m);
      CHECK(other_bad == 0);
    }
  }

  OCT(oct_context_destroy(gpu));
  return harness::finish("test_gemm_w8a16_cuda");
}
