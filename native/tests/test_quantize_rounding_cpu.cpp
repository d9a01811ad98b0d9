// The CUDA quantizers' fast rounding, checked on the host without a GPU: numerics.hpp's
// shifter_round (rint(y) from the 1.5 * 2^23 shifter, with its near-tie test), which
// Int8Quantizer::pack8 (cuda/common/quantize.cuh) applies to y = RN(x * RN(1 / scale)) for a
// quantizer bounded by its row's absmax, against the definition quantize_value(x, scale) (IEEE
// division, rint, clamp). For every finite fp16 and bf16 value v with |v| <= absmax and the
// per-token scale activation_scale(absmax), over absmax = every power of two of the dtype (many
// quotients land exactly on half-integers), 400 arbitrary values and the largest finite one:
// wherever pack8 would take the fast path (bounded and the test passes), its byte must be
// quantize_value's; and the fast path must be the common case (near-ties are rare). Then the
// per-value form (Int8Quantizer::operator(), any scale: a static one, a weight's) under
// arbitrary scales, quotients beyond 127 included: where its near-tie test passes, clamp(rint(y))
// must be quantize_value's.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "common/numerics.hpp"
#include "harness.hpp"

namespace {

struct Counts {
  long long checked = 0, fast = 0, wrong = 0, unbounded_scales = 0, scales = 0;
};

float value_of(bool fp16, uint16_t h) { return fp16 ? octet::half_to_float(h) : octet::bf16_to_float(h); }

// The dtype's finite non-negative values, ascending.
std::vector<float> finite_values(bool fp16) {
  std::vector<float> values;
  for (uint32_t h = 0; h < 0x8000u; ++h) {
    const float v = value_of(fp16, static_cast<uint16_t>(h));
    if (std::isfinite(v)) values.push_back(v);
  }
  return values;
}

void check_dtype(bool fp16, Counts& c) {
  // The absmax values to try.
  const std::vector<float> values = finite_values(fp16);
  std::vector<float> absmaxes{0.0f, values.back()};
  for (int e = -160; e <= 160; ++e) {
    const float p = std::ldexp(1.0f, e);
    const uint16_t h = fp16 ? octet::float_to_half(p) : octet::float_to_bf16(p);
    if (value_of(fp16, h) == p && p <= values.back()) absmaxes.push_back(p);
  }
  std::mt19937 rng(fp16 ? 1 : 2);
  std::uniform_int_distribution<size_t> pick(1, values.size() - 1);
  for (int i = 0; i < 400; ++i) absmaxes.push_back(values[pick(rng)]);

  for (const float a : absmaxes) {
    const float scale = octet::activation_scale(a);
    const float inv = 1.0f / scale;
    const bool bounded = octet::mul_rn(a, inv) < 127.25f;  // Int8Quantizer(scale, absmax)
    ++c.scales;
    if (!bounded) {  // pack8 then takes the exact path for every value: nothing to check
      ++c.unbounded_scales;
      continue;
    }
    for (const float mag : values) {
      if (mag > a) break;
      for (const float v : {mag, -mag}) {
        uint32_t bits = 0;
        ++c.checked;
        if (!octet::shifter_round(octet::mul_rn(v, inv), &bits)) continue;
        ++c.fast;
        const auto got = static_cast<int8_t>(bits & 0xffu);
        const int8_t want = octet::quantize_value(v, scale);
        if (got != want) {
          if (c.wrong < 5)
            std::printf("  %s absmax %a scale %a x %a: shifter %d, quantize_value %d\n",
                        fp16 ? "fp16" : "bf16", a, scale, v, got, want);
          ++c.wrong;
        }
      }
    }
  }
}

// Int8Quantizer::operator() (cuda/common/quantize.cuh) on the host: clamp(rint(y)) where y is
// more than 2^-15 from every half-integer (kRoundingMargin), against quantize_value, for every
// finite value of the dtype under `scales` arbitrary scales (log-uniform over 2^-40 .. 2^20, and
// a few edge ones).
void check_any_scale(bool fp16, int scales, Counts& c) {
  const std::vector<float> values = finite_values(fp16);
  std::vector<float> list{1.0f, 1.0f / 127.0f, 0x1p-149f, 0x1p-126f, 3.0e38f};
  std::mt19937 rng(fp16 ? 3 : 4);
  std::uniform_real_distribution<float> log2s(-40.0f, 20.0f);
  while (static_cast<int>(list.size()) < scales) list.push_back(std::exp2(log2s(rng)));
  for (const float scale : list) {
    const float inv = 1.0f / scale;
    for (const float mag : values) {
      for (const float v : {mag, -mag}) {
        ++c.checked;
        const float y = octet::mul_rn(v, inv), r = std::rint(y);
        if (!(std::fabs(y - r) < octet::kRoundingMargin)) continue;
        ++c.fast;
        const auto got = static_cast<int8_t>(std::fmin(std::fmax(r, -127.0f), 127.0f));
        const int8_t want = octet::quantize_value(v, scale);
        if (got != want) {
          if (c.wrong < 5)
            std::printf("  %s scale %a x %a: rint(x * inv) %d, quantize_value %d\n", fp16 ? "fp16" : "bf16",
                        scale, v, got, want);
          ++c.wrong;
        }
      }
    }
  }
}

}  // namespace

int main() {
  Counts c;
  check_dtype(true, c);
  check_dtype(false, c);
  Counts any;
  check_any_scale(true, 300, any);
  check_any_scale(false, 300, any);
  std::printf("test_quantize_rounding_cpu: per-value form, %lld values under 600 scales, %lld on the "
              "fast path, %lld wrong\n", any.checked, any.fast, any.wrong);
  CHECK(any.wrong == 0);
  CHECK(any.fast > any.checked * 9 / 10);
  std::printf("test_quantize_rounding_cpu: %lld values under %lld scales (%lld with inv too large "
              "to bound), %lld on the fast path (%.3f%%), %lld wrong\n",
              c.checked, c.scales, c.unbounded_scales, c.fast, 100.0 * c.fast / c.checked, c.wrong);
  CHECK(c.checked > 10000000);
  CHECK(c.wrong == 0);
  CHECK(c.fast > c.checked * 99 / 100);  // the exact path stays the exception
  return harness::finish("test_quantize_rounding_cpu");
}
