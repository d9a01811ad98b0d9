// The plan of Octet's wgmma W8A16 GEMM (gemm_wgmma.cu): its token tile (128 or 256 tokens per
// CTA, 128 features), its split along K over a cluster of CTAs per tile, and its tail launch.
// Host code only (no CUDA): the CPU tests check it (test_w8a16_plan_cpu). gemm_wgmma.cu supplies
// how many clusters of each kernel fit on the device at once (`active`) and the forced settings
// read from the environment (tests and benchmark).
//
// The model: the kernel's CTAs walk all their K steps of 64 at ~0.5 us a step on the 128-token
// tile (H100), the 256-token tile's round costing kWideRound of those; a grid runs in whole
// rounds of the SMs. A split along K shares the steps among the ranks of a cluster and adds a
// hand-off of the partial sums (split_wgmma_us). Measured numbers behind each constant:
// docs/perf-notes-w8a16.md (sixteenth, seventeenth and twenty-third sessions).
#pragma once

#include <cstdint>

namespace octet::cuda::w8a16 {

constexpr int kWgmmaBN = 128;        // features per CTA
constexpr int kWgmmaBK = 64;         // K per step
constexpr int kWgmmaMaxSplits = 4;   // CTAs of a cluster sharing an output tile

// A round of 256-token tiles of the wgmma GEMM costs ~1.36-1.45 rounds of 128-token tiles (H100,
// the split main loop and per channel alike; perf notes); the rules count 1.5.
constexpr double kWideRound = 1.5;

// What a second launch adds (its start after the first's last CTA): an estimate, not measured
// apart from the tail's whole gain (perf notes).
constexpr double kWgmmaLaunchUs = 2.0;

// The wgmma GEMM on a 128-token tile (256: `wide`) split along K over `splits` CTAs, for `steps`
// K steps of 64: ~0.5 us a step (0.75 on the 256-token tile) shared by the ranks, plus the
// hand-off of the partial sums: ~8 us with 2 ranks and ~12 with 3 on the 128-token tile (H100).
// On the 256-token tile, 6 with 2 ranks: not a measured hand-off but the value that makes the
// rule pick the faster grid where it was measured (H200, N = 4096 at M = 384..512: the 128-token
// grid of one full round runs ~0.57 us a step there, not the 0.5 above; perf notes). The
// dispatch between the skinny kernel and this GEMM (skinny_beats_wgmma, w8a16.cuh) uses it too.
inline double split_wgmma_us(int64_t steps, int splits, bool wide = false) {
  constexpr double kStepUs = 0.5, kHandOffUs[2][4] = {{0.0, 0.0, 8.0, 12.0}, {0.0, 0.0, 6.0, 0.0}};
  return static_cast<double>(steps) * kStepUs * (wide ? kWideRound : 1.0) / splits +
         kHandOffUs[wide][splits];
}

// The problem as the plan sees it: per group where groups > 1 (group_size a multiple of 64).
struct WgmmaShape {
  int m, n, k;
  int groups, group_size;
  bool per_group() const { return groups > 1; }
  // Units a split hands out whole (groups per group, K steps per channel), and K steps.
  int units() const { return per_group() ? groups : (k + kWgmmaBK - 1) / kWgmmaBK; }
  int steps() const { return units() * (per_group() ? group_size / kWgmmaBK : 1); }
};

// Settings forced from the environment (gemm_wgmma.cu; 0 = unset): the token tile (128 | 256,
// OCTET_W8A16_WGMMA_TOKENS), the split (1..4, OCTET_W8A16_SPLITK), the tail
// (OCTET_W8A16_TAIL: 1 = never, 2 = always: the second half of the tiles).
struct WgmmaForce {
  int tokens = 0, split = 0, tail = 0;
};

struct WgmmaSplit {
  int splits = 1;
  double us = 0.0;  // modelled (0 where forced)
};

// A grid's launches: tiles [0, first) on bt-token tiles, `splits` CTAs per tile; the tail
// [first, ctas) on 128-token tiles, tail_splits per tile (first == ctas: no tail).
struct WgmmaPlan {
  int bt = 128;
  int64_t ctas = 0, first = 0;
  int splits = 1, tail_splits = 0;
};

// The split along K (1 = none) for a grid of `ctas` tiles of `bt` tokens whose CTAs walk `steps`
// K steps in `units`, active(bt, s) clusters of s CTAs fitting at once, and its modelled time. A
// split grid that needs more than one round of clusters lost wherever measured; so: 2 or 3 ranks
// on the 128-token tile, 2 on the 256-token one, whose clusters all fit at once, where that
// beats the unsplit grid's rounds.
template <typename Active>
WgmmaSplit wgmma_split_k(int bt, int steps, int units, int64_t ctas, int sms,
                         const WgmmaForce& force, Active&& active) {
  if (force.split != 0) return {force.split < units ? force.split : units, 0.0};
  const bool wide = bt == 256;
  WgmmaSplit best{1, static_cast<double>((ctas + sms - 1) / sms) * split_wgmma_us(steps, 1, wide)};
  for (int s = 2; s <= (wide ? 2 : 3) && s <= units; ++s) {
    if (ctas > active(bt, s)) continue;
    const double us = split_wgmma_us(steps, s, wide);
    if (us < best.us) best = {s, us};
  }
  return best;
}

// The token tile: the forced one, else the one whose grid wgmma_split_k models faster: unsplit,
// 256-token tiles where their rounds of the SMs, at kWideRound rounds of 128-token tiles each,
// take no more time (so that two rounds of 256 beat three of 128: (11008, 4096) at M = 512: 102
// us against 109, H100); and per group 256-token tiles split in two where that beats the
// 128-token grid, split or not (N = 4096 at M = 384..512: 128 or 64 tiles of 128 or 256 tokens,
// one round either way). Per channel keeps the rounds rule: CUTLASS's GEMM serves it past
// M = 256, and below, the rule that hands it to this one (wgmma_beats_sm90) was measured on
// 128-token splits ((6144, 4096) at M = 256 on the 256-token split: 31.2 us against CUTLASS's
// 28.1, H200).
template <typename Active>
int wgmma_token_tile(const WgmmaShape& p, int sms, const WgmmaForce& force, Active&& active) {
  if (force.tokens != 0) return force.tokens;
  const int64_t n_tiles = (p.n + kWgmmaBN - 1) / kWgmmaBN;
  const int64_t tiles128 = n_tiles * ((p.m + 127) / 128), tiles256 = n_tiles * ((p.m + 255) / 256);
  const int64_t rounds128 = (tiles128 + sms - 1) / sms, rounds256 = (tiles256 + sms - 1) / sms;
  if (static_cast<double>(rounds256) * kWideRound <= static_cast<double>(rounds128)) return 256;
  if (!p.per_group() || force.split != 0) return 128;
  const WgmmaSplit narrow = wgmma_split_k(128, p.steps(), p.units(), tiles128, sms, force, active);
  const WgmmaSplit wide = wgmma_split_k(256, p.steps(), p.units(), tiles256, sms, force, active);
  return wide.us < narrow.us ? 256 : 128;
}

// The grid of bt-token tiles, in one launch, or two: where its last round of the SMs is partly
// filled, the tiles of the full rounds, then the rest (the tail) on the 128-token tile, split
// along K over clusters of 2 or 3 where that fits in one round and split_wgmma_us says it pays.
// E.g. (11008, 4096) at M = 512: 172 tiles of 256 tokens, two rounds of 132 SMs, the second 30%
// full; as 132 + 80 tiles of 128, the second round costs a 128-token tile's time.
template <typename Active>
WgmmaPlan wgmma_plan(const WgmmaShape& p, int bt, int sms, const WgmmaForce& force,
                     Active&& active) {
  WgmmaPlan pl;
  pl.bt = bt;
  const int64_t n_tiles = (p.n + kWgmmaBN - 1) / kWgmmaBN, m_tiles = (p.m + bt - 1) / bt;
  pl.ctas = pl.first = n_tiles * m_tiles;
  if (pl.ctas == 0) return pl;
  const int units = p.units(), steps = p.steps();
  pl.splits = wgmma_split_k(bt, steps, units, pl.ctas, sms, force, active).splits;
  const int sub = bt / 128;  // 128-token tiles per bt-token tile
  if (force.tail == 2) {
    pl.first = pl.ctas / 2, pl.tail_splits = units >= 2 ? 2 : 1;
  } else if (force.tail == 0 && pl.splits == 1 && force.split == 0) {
    const int64_t rounds = (pl.ctas + sms - 1) / sms, rest = pl.ctas - (rounds - 1) * sms;
    // the tail as it is: one more round of the grid's tiles
    double best_us = split_wgmma_us(steps, 1, bt == 256);
    for (int s = 1; s <= 3 && s <= units && rounds >= 2; ++s) {
      if (rest * sub * s > sms || (s > 1 && rest * sub > active(128, s))) continue;
      if (s == 1 && sub == 1) continue;  // (that is the tail as it is)
      const double us = split_wgmma_us(steps, s, false) + kWgmmaLaunchUs;
      if (us < best_us) best_us = us, pl.first = pl.ctas - rest, pl.tail_splits = s;
    }
  }
  return pl;
}

// Per channel at M = kSliceM + 1 .. kWgmmaPerChannelMaxM (plan_sm90.hpp), whether this GEMM beats
// the sm90 CUTLASS one's one launch: where its plan splits K, or takes fewer rounds of the SMs
// than the sm90 GEMM's 128 x 64 (M <= sm90_mid_max_m) or 128 x 128 tiles (a round of 256-token
// tiles counting kWideRound). Measured (H100, perf notes, seventeenth session).
template <typename Active>
bool wgmma_plan_beats_sm90(const WgmmaShape& p, int sms, int sm90_mid_max_m,
                           const WgmmaForce& force, Active&& active) {
  const int bt = wgmma_token_tile(p, sms, force, active);
  const WgmmaPlan pl = wgmma_plan(p, bt, sms, force, active);
  if (pl.splits > 1) return true;
  const int64_t n_tiles = (p.n + kWgmmaBN - 1) / kWgmmaBN;
  const int sm90_tokens = p.m <= sm90_mid_max_m ? 64 : 128;
  const int64_t sm90_rounds = (n_tiles * ((p.m + sm90_tokens - 1) / sm90_tokens) + sms - 1) / sms;
  const int64_t rounds = (pl.ctas + sms - 1) / sms;
  return static_cast<double>(rounds) * (bt == 256 ? kWideRound : 1.0) <
         static_cast<double>(sm90_rounds);
}

}  // namespace octet::cuda::w8a16
