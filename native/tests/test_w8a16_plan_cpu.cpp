// The Hopper W8A16 GEMM's plan (cuda/w8a16/plan_sm90.hpp), checked on the host without a GPU:
// over M = 1..9000, N = 8..40000, several K and SM counts, the plan is well formed (the split a
// positive multiple of 128 below N, the rest on a smaller tile), the one launch by M up to
// M = 256, with one feature tile (N <= 128) and with the split off, half the features with it
// forced, and otherwise the cheapest
// plan under the rounds model: against every candidate enumerated here (one launch on each tile;
// every split f x 128 of every first and rest tile), none cheaper that also saves 3% of the
// one launch. Then the choices the perf notes measured on the Llama shapes (twenty-second session).
// Then Octet's wgmma GEMM's plan (cuda/w8a16/plan_wgmma.hpp): over the same kind of grid, per
// channel and per group, with and without forced settings, the plan is well formed (its splits
// within the units and kWgmmaMaxSplits, unforced splits only where every cluster fits at once, 2
// ranks at most on the 256-token tile and that per group only, a tail only behind an unsplit grid
// and within one round), and the choices measured on an H200 (twenty-third session).
#include <cstdio>
#include <initializer_list>

#include "cuda/w8a16/plan_sm90.hpp"
#include "cuda/w8a16/plan_wgmma.hpp"
#include "harness.hpp"

namespace {

using octet::cuda::w8a16::Sm90Plan;
using octet::cuda::w8a16::Sm90Split;
using octet::cuda::w8a16::Sm90Tile;
namespace w = octet::cuda::w8a16;

Sm90Tile by_m(int m) {
  return m <= w::kSm90MidMaxM ? Sm90Tile::kMid
                              : (m < w::kSm90HugeMinM ? Sm90Tile::kLarge : Sm90Tile::kHuge);
}

double cost(const Sm90Plan& p, int m, int n, int k, int sms) {
  if (p.split_n >= n) return w::sm90_cost(p.first, m, n, sms);
  return w::sm90_cost(p.first, m, p.split_n, sms) + w::sm90_cost(p.rest, m, n - p.split_n, sms) +
         w::sm90_launch_cost(k);
}

// The cheapest candidate that saves 3% of the one launch (or the one launch's cost).
double cheapest(int m, int n, int k, int sms) {
  const double one = w::sm90_cost(by_m(m), m, n, sms);
  double best = one;
  const Sm90Tile tiles[] = {Sm90Tile::kLarge, Sm90Tile::kWide, Sm90Tile::kHuge};
  for (Sm90Tile first : tiles) {
    const double c = w::sm90_cost(first, m, n, sms);
    if (c <= 0.97 * one && c < best) best = c;
    for (int s = 128; s < n; s += 128)
      for (Sm90Tile rest : {Sm90Tile::kLarge, Sm90Tile::kWide}) {
        const double d = cost({first, s, rest}, m, n, k, sms);
        if (d <= 0.97 * one && d < best) best = d;
      }
  }
  return best;
}

}  // namespace

int main() {
  long checked = 0, split = 0, retiled = 0, wrong = 0;
  for (int sms : {132, 114, 78, 16})
    for (int k : {64, 4096, 11008})
      for (int m = 1; m <= 9000; m += (m < 600 ? 23 : 397))
        for (int n = 8; n <= 40000; n += (n < 2048 ? 56 : 1288)) {
          const Sm90Plan p = w::plan_sm90(m, n, k, sms, Sm90Split::kModel);
          const Sm90Plan never = w::plan_sm90(m, n, k, sms, Sm90Split::kNever);
          const Sm90Plan forced = w::plan_sm90(m, n, k, sms, Sm90Split::kForce);
          const Sm90Tile base = by_m(m);
          const int features = (n + 127) / 128;
          ++checked;
          bool ok = p.split_n > 0 && p.split_n <= n;
          if (p.split_n < n) {
            ++split;
            ok = ok && p.split_n % 128 == 0 && (p.rest == Sm90Tile::kLarge || p.rest == Sm90Tile::kWide);
          } else if (p.first != base) {
            ++retiled;
          }
          ok = ok && never.first == base && never.split_n == n;
          if (base != Sm90Tile::kMid && features >= 2)
            ok = ok && forced.first == base && forced.split_n == 128 * (features / 2) &&
                 forced.rest == Sm90Tile::kWide;
          else
            ok = ok && forced.first == base && forced.split_n == n;
          if (m <= w::kWgmmaPerChannelMaxM || features < 2)
            ok = ok && p.first == base && p.split_n == n;
          else
            ok = ok && cost(p, m, n, k, sms) == cheapest(m, n, k, sms);
          if (!ok && ++wrong <= 10)
            std::fprintf(stderr, "m %d n %d k %d sms %d: plan (%d, %d, %d) cost %.4f, cheapest %.4f\n", m,
                         n, k, sms, static_cast<int>(p.first), p.split_n, static_cast<int>(p.rest),
                         cost(p, m, n, k, sms), cheapest(m, n, k, sms));
        }
  std::printf("plans checked: %ld (%ld split, %ld on another tile), wrong: %ld\n", checked, split,
              retiled, wrong);
  CHECK(wrong == 0);
  CHECK(split > 0 && retiled > 0);  // the grid reaches both kinds of plan

  // The choices measured on an H200 (132 SMs, K = 4096; docs/perf-notes-w8a16.md).
  auto plan = [](int m, int n) { return w::plan_sm90(m, n, 4096, 132, Sm90Split::kModel); };
  CHECK(plan(512, 11008).first == Sm90Tile::kWide && plan(512, 11008).split_n == 11008);
  CHECK(plan(2048, 11008).first == Sm90Tile::kHuge && plan(2048, 11008).split_n < 11008);
  CHECK(plan(1024, 11008).split_n < 11008);
  CHECK(plan(384, 6144).first == Sm90Tile::kWide && plan(384, 6144).split_n == 6144);
  CHECK(plan(512, 6144).first == Sm90Tile::kHuge && plan(512, 6144).split_n == 6144);
  CHECK(plan(1024, 6144).split_n < 6144);
  CHECK(plan(512, 28672).split_n < 28672);
  for (int m : {512, 1024, 2048, 4096, 8192}) {  // whole rounds already: the one launch
    CHECK(plan(m, 4096).first == by_m(m) && plan(m, 4096).split_n == 4096);
  }

  // Octet's wgmma GEMM (plan_wgmma.hpp). Clusters that fit at once: a cluster of s CTAs per s SMs
  // (one CTA per SM), fewer where `tight` (as a GPU whose clusters must share a GPC).
  long wplans = 0, wsplit = 0, wwide = 0, wtail = 0, wwrong = 0;
  for (int sms : {132, 114, 16})
    for (bool tight : {false, true}) {
      auto active = [sms, tight](int bt, int s) { return tight ? sms / s * 3 / 4 - (bt == 256) : sms / s; };
      for (int tokens : {0, 128, 256})
        for (int force_split : {0, 2, 3, 4})
          for (int tail : {0, 1, 2}) {
            w::WgmmaForce f;
            f.tokens = tokens, f.split = force_split, f.tail = tail;
            for (int k : {64, 448, 4096, 11008})
              for (int gs : {0, 64, 128})
                for (int m = 1; m <= 9000; m += (m < 600 ? 31 : 797))
                  for (int n = 8; n <= 40000; n += (n < 2048 ? 248 : 2488)) {
                    if (gs != 0 && (k % gs != 0 || k == gs)) continue;
                    const w::WgmmaShape p{m, n, k, gs == 0 ? 1 : k / gs, gs == 0 ? k : gs};
                    const int bt = w::wgmma_token_tile(p, sms, f, active);
                    const w::WgmmaPlan pl = w::wgmma_plan(p, bt, sms, f, active);
                    const int64_t n_tiles = (n + 127) / 128, units = p.units();
                    ++wplans;
                    bool ok = (bt == 128 || bt == 256) && (tokens == 0 || bt == tokens) &&
                              pl.bt == bt && pl.ctas == n_tiles * ((m + bt - 1) / bt) &&
                              pl.first >= 0 && pl.first <= pl.ctas && pl.splits >= 1 &&
                              pl.splits <= w::kWgmmaMaxSplits && pl.splits <= units;
                    if (force_split != 0) {
                      ok = ok && pl.splits == (force_split < units ? force_split : units);
                    } else if (pl.splits > 1) {
                      ++wsplit;
                      ok = ok && pl.ctas <= active(bt, pl.splits) && (bt == 128 || pl.splits == 2);
                      if (bt == 256 && tokens == 0) ++wwide, ok = ok && p.per_group();
                    }
                    if (pl.first < pl.ctas) {
                      ok = ok && pl.tail_splits >= 1 && pl.tail_splits <= 3;
                      if (tail == 2) {
                        ok = ok && pl.first == pl.ctas / 2;
                      } else {
                        ++wtail;
                        const int64_t rest = (pl.ctas - pl.first) * (bt / 128);
                        ok = ok && tail == 0 && force_split == 0 && pl.splits == 1 &&
                             rest * pl.tail_splits <= sms &&
                             (pl.tail_splits == 1 || rest <= active(128, pl.tail_splits));
                      }
                    }
                    if (!ok && ++wwrong <= 10)
                      std::fprintf(stderr,
                                   "wgmma m %d n %d k %d gs %d sms %d tight %d force (%d, %d, %d): "
                                   "bt %d ctas %lld first %lld splits %d tail %d\n",
                                   m, n, k, gs, sms, tight, tokens, force_split, tail, bt,
                                   static_cast<long long>(pl.ctas),
                                   static_cast<long long>(pl.first), pl.splits, pl.tail_splits);
                  }
          }
    }
  std::printf("wgmma plans checked: %ld (%ld split, %ld on the 256-token split, %ld with a tail), "
              "wrong: %ld\n", wplans, wsplit, wwide, wtail, wwrong);
  CHECK(wwrong == 0);
  CHECK(wsplit > 0 && wwide > 0 && wtail > 0);

  // The choices measured on an H200 (132 SMs; docs/perf-notes-w8a16.md, sixteenth, seventeenth
  // and twenty-third sessions), clusters of 2 and 3 all fitting.
  {
    const w::WgmmaForce none;
    auto active = [](int, int s) { return 132 / s; };
    struct Want {
      int m, n, k, group, bt, splits;
      int64_t first;  // -1: no tail
      int tail_splits;
    };
    const Want wants[] = {
        {512, 4096, 11008, 128, 256, 2, -1, 0},  // 74 us against 89 on one round of 128 tokens
        {512, 4096, 14336, 128, 256, 2, -1, 0},
        {512, 4096, 4096, 128, 256, 2, -1, 0},
        {256, 4096, 4096, 128, 128, 2, -1, 0},    // the 128-token split stays ahead at M <= 256
        {128, 4096, 4096, 128, 128, 3, -1, 0},
        {256, 6144, 4096, 0, 128, 1, -1, 0},      // per channel keeps the rounds rule
        {512, 11008, 4096, 128, 256, 1, 132, 1},  // 132 tiles of 256, then 80 of 128 tokens
        {2048, 11008, 4096, 128, 256, 1, 660, 2},  // the last 28 tiles as 56 of 128, in pairs
        {8192, 11008, 4096, 128, 256, 1, -1, 0},  // a tail that fits no round: none
    };
    for (const Want& want : wants) {
      const w::WgmmaShape p{want.m, want.n, want.k, want.group == 0 ? 1 : want.k / want.group,
                            want.group == 0 ? want.k : want.group};
      const int bt = w::wgmma_token_tile(p, 132, none, active);
      const w::WgmmaPlan pl = w::wgmma_plan(p, bt, 132, none, active);
      const bool ok = bt == want.bt && pl.splits == want.splits &&
                      (want.first < 0 ? pl.first == pl.ctas
                                      : pl.first == want.first && pl.tail_splits == want.tail_splits);
      if (!ok)
        std::fprintf(stderr, "wgmma (%d, %d, %d) group %d: bt %d splits %d first %lld/%lld tail %d\n",
                     want.m, want.n, want.k, want.group, bt, pl.splits,
                     static_cast<long long>(pl.first), static_cast<long long>(pl.ctas),
                     pl.tail_splits);
      CHECK(ok);
    }
    // Per channel at M = 65..256: ours where it splits or takes fewer rounds than CUTLASS's.
    auto beats = [&](int m, int n, int k) {
      return w::wgmma_plan_beats_sm90({m, n, k, 1, k}, 132, w::kSm90MidMaxM, none, active);
    };
    CHECK(beats(128, 11008, 4096) && beats(256, 4096, 11008) && beats(128, 4096, 4096));
    CHECK(!beats(192, 6144, 4096) && !beats(256, 6144, 4096));
  }
  return harness::finish("test_w8a16_plan_cpu");
}
