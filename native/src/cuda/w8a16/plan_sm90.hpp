// The plan of the Hopper CUTLASS W8A16 GEMM (per channel; gemm_sm90_impl.cuh): which tile, and
// whether two launches on slices of the features. Host code only (no CUDA): the CPU tests check
// it (test_w8a16_plan_cpu).
//
// The sm90 GEMM's tiles are features x tokens. Its persistent kernels run in whole rounds of the
// SMs (a round of 128 x 256 tiles cost 46.5 us at K = 4096 on an H100, of 128 x 128 tiles 27 us,
// of 128 x 192 tiles 0.70-0.75 of the first on an H200: time = rounds x that, within 1% from
// M = 1024 to 4096; docs/perf-notes-w8a16.md, twenty-second session). So a grid whose last round
// would run nearly empty runs better as two launches on complementary slices of the features
// (the first split_n features, then the rest, each over all tokens), the rest on smaller tiles,
// or on another tile: e.g. (11008, 4096) at M = 2048 (688 tiles of 128 x 256, 5.2 rounds -> 6)
// runs its first 1792 features (14 tiles of 128) on 128 x 256 tiles in one round and the other
// 9216 on 128 x 192 tiles in 6 rounds of 0.75, and
// at M = 512 takes 258 tiles of 128 x 192 (2 rounds) rather than 344 of 128 x 128 (3).
// plan_sm90 picks the plan of fewest modelled rounds past kWgmmaPerChannelMaxM (up to it, and
// with one feature tile, the one launch of the tile by M, which wgmma_beats_sm90 weighs); another
// plan must save 3% of the model of that one.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace octet::cuda::w8a16 {

// Token counts up to which the sm90 GEMM uses its 128 x 64 tile; from which its 128 x 256 tile;
// 128 x 128 between (the one-launch plan).
constexpr int kSm90MidMaxM = 128;
constexpr int kSm90HugeMinM = 1024;
// Per channel past kSliceM (w8a16.cuh) and up to this M, our wgmma GEMM rather than the sm90
// one where its plan splits K, or takes fewer rounds of the SMs than the sm90 GEMM's 128 x 64 /
// 128 x 128 tiles (a round of 256-token tiles counting 1.5; wgmma_beats_sm90, gemm_wgmma.cu).
// Measured (H100, perf notes), M = 65..256: faster by 4-48% where it splits or takes fewer
// rounds (Llama-2 and Llama-3 shapes), slower (+15-23%) with as many rounds ((6144, 4096) at
// M = 192, 256); at M = 384 and 512 (as many rounds, counted so) slower by 10-18%.
constexpr int kWgmmaPerChannelMaxM = 256;

enum class Sm90Tile { kMid, kLarge, kWide, kHuge };  // 128 x 64, 128 x 128, 128 x 192, 128 x 256
struct Sm90Plan {
  Sm90Tile first;
  int split_n;  // features of the first launch (== N: one launch)
  Sm90Tile rest;
};
// OCTET_W8A16_SM90_SPLIT: unset = the model; 0 = never split; force = split past M = 128
// wherever N has two feature tiles (half of them, the rest on 128 x 192 tiles; tests).
enum class Sm90Split { kModel, kNever, kForce };

inline int sm90_tokens(Sm90Tile t) {
  switch (t) {
    case Sm90Tile::kMid: return 64;
    case Sm90Tile::kLarge: return 128;
    case Sm90Tile::kWide: return 192;
    default: return 256;
  }
}

// A round of the SMs on the tile, in units of a round of 128 x 256 tiles (H100, K = 4096:
// 128 x 128 27 us against 46.5; H200: 128 x 192 0.70-0.75 of it, 128 x 128 0.57-0.62).
inline double sm90_round_cost(Sm90Tile t) {
  return t == Sm90Tile::kHuge ? 1.0 : (t == Sm90Tile::kWide ? 0.75 : 0.58);
}

// The modelled time of the tile on m tokens x n features: its rounds of the SMs.
inline double sm90_cost(Sm90Tile t, int64_t m, int64_t n, int sm_count) {
  const int64_t tokens = sm90_tokens(t);
  const int64_t tiles = ((n + 127) / 128) * ((m + tokens - 1) / tokens);
  return static_cast<double>((tiles + sm_count - 1) / sm_count) * sm90_round_cost(t);
}

// The second launch's start after the first's end: ~1.5 us at K = 4096 (an estimate), in round units.
inline double sm90_launch_cost(int k) { return 1.5 / 46.5 * 4096.0 / k; }

inline Sm90Plan plan_sm90(int m, int n, int k, int sm_count, Sm90Split mode) {
  const Sm90Tile base =
      m <= kSm90MidMaxM ? Sm90Tile::kMid : (m < kSm90HugeMinM ? Sm90Tile::kLarge : Sm90Tile::kHuge);
  Sm90Plan best{base, n, base};
  const int features = (n + 127) / 128;
  if (base == Sm90Tile::kMid || mode == Sm90Split::kNever || features < 2) return best;
  if (mode == Sm90Split::kForce) return {base, 128 * (features / 2), Sm90Tile::kWide};
  if (m <= kWgmmaPerChannelMaxM) return best;
  const double launch = sm90_launch_cost(k);
  const double one = sm90_cost(base, m, n, sm_count);
  double best_cost = one;
  for (Sm90Tile first : {Sm90Tile::kLarge, Sm90Tile::kWide, Sm90Tile::kHuge}) {
    const double whole = sm90_cost(first, m, n, sm_count);
    if (whole < best_cost && whole <= 0.97 * one) best = {first, n, first}, best_cost = whole;
    for (int f = 1; f < features; ++f)
      for (Sm90Tile rest : {Sm90Tile::kLarge, Sm90Tile::kWide}) {
        const double c = sm90_cost(first, m, 128 * f, sm_count) +
                         sm90_cost(rest, m, n - 128 * f, sm_count) + launch;
        if (c < best_cost && c <= 0.97 * one) best = {first, 128 * f, rest}, best_cost = c;
      }
  }
  return best;
}

}  // namespace octet::cuda::w8a16
