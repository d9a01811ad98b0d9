// The Hopper W8A16 GEMM's plan (cuda/w8a16/plan_sm90.hpp), checked on the host without a GPU:
// over M = 1..9000, N = 8..40000, several K and SM counts, the plan is well formed (the split a
// positive multiple of 128 below N, the rest on a smaller tile), the one launch by M up to
// M = 256, with one feature tile (N <= 128) and with the split off, half the features with it
// forced, and otherwise the cheapest
// plan under the rounds model: against every candidate enumerated here (one launch on each tile;
// every split f x 128 of every first and rest tile), none cheaper that also saves 3% of the
// one launch. Then the choices the perf notes measured on the Llama shapes (twenty-second session).
#include <cstdio>
#include <initializer_list>

#include "cuda/w8a16/plan_sm90.hpp"
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
  return harness::finish("test_w8a16_plan_cpu");
}
