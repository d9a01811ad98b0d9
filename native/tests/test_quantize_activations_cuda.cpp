// The CUDA backend's activation quantization against the CPU backend, bit for bit: xq and the
// scales. The GPU rounds with x * (1 / scale) and redoes the IEEE division only near
// half-integers (cuda/common/quantize.cuh), so the cases aim at that: every finite fp16 and bf16
// value under static scales that put many of them exactly on a half-integer (powers of two) or
// near one, rows whose values sit on and a few ulps beside k + 1/2 times their dynamic scale, a
// SmoothQuant multiplier, and non-finite rows. Skipped (77) without a GPU.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "common/numerics.hpp"
#include "harness.hpp"

using harness::Tensor;

namespace {

struct Input {
  oct_dtype_t dtype;
  int64_t rows, cols;
  std::vector<uint16_t> bits;  // fp16 or bf16 raw values, row-major
};

uint16_t to_bits(oct_dtype_t d, float f) {
  return d == OCT_DTYPE_FP16 ? octet::float_to_half(f) : octet::float_to_bf16(f);
}
float from_bits(oct_dtype_t d, uint16_t h) {
  return d == OCT_DTYPE_FP16 ? octet::half_to_float(h) : octet::bf16_to_float(h);
}

// A [rows, cols] view at element `offset` of a fresh tensor (offset 0: the whole of it), the
// elements before it poisoned; an odd offset makes x or xq start off any vector alignment.
struct View {
  std::unique_ptr<Tensor> base;
  oct_tensor_t t = nullptr;
  View(oct_context_t ctx, oct_dtype_t dtype, int64_t rows, int64_t cols, int64_t offset) {
    base = std::make_unique<Tensor>(ctx, dtype, std::vector<int64_t>{rows * cols + offset});
    base->poison();
    const int64_t shape[2] = {rows, cols};
    OCT(oct_tensor_view(base->t, 2, shape, offset, &t));
  }
  ~View() { oct_tensor_destroy(t); }
  View(const View&) = delete;
  View& operator=(const View&) = delete;
};

// Quantizes `in` on both backends with `scheme` (static: scale `s`; smooth: optional [K]) and
// compares xq and the scales bitwise; x and xq are views at element offsets x_off and q_off.
void run_case(oct_context_t cpu, oct_context_t gpu, const Input& in, oct_act_scheme_t scheme,
              float s, const std::vector<float>* smooth, const char* what, int64_t x_off = 0,
              int64_t q_off = 0) {
  const int64_t n_scales = scheme == OCT_ACT_DYNAMIC_PER_TOKEN ? in.rows : 1;
  std::vector<uint8_t> q[2], sc[2];
  oct_context_t ctxs[2] = {cpu, gpu};
  for (int b = 0; b < 2; ++b) {
    View x(ctxs[b], in.dtype, in.rows, in.cols, x_off), xq(ctxs[b], OCT_DTYPE_INT8, in.rows, in.cols, q_off);
    Tensor scales(ctxs[b], OCT_DTYPE_FP32, {n_scales});
    OCT(oct_tensor_copy_from_host(x.t, in.bits.data(), static_cast<int64_t>(in.bits.size() * 2), nullptr));
    if (scheme == OCT_ACT_STATIC_PER_TENSOR)
      scales.upload(std::vector<float>{s});
    else
      scales.poison();
    std::unique_ptr<Tensor> sm;
    if (smooth) {
      sm = std::make_unique<Tensor>(ctxs[b], OCT_DTYPE_FP32, std::vector<int64_t>{in.cols});
      sm->upload(*smooth);
    }
    OCT(oct_quantize_activations(x.t, scheme, sm ? sm->t : nullptr, xq.t, scales.t, nullptr));
    q[b].resize(static_cast<size_t>(in.rows * in.cols));
    OCT(oct_tensor_copy_to_host(xq.t, q[b].data(), static_cast<int64_t>(q[b].size()), nullptr));
    sc[b] = scales.download<uint8_t>();
  }
  int64_t diff = 0, first = -1;
  for (size_t i = 0; i < q[0].size(); ++i)
    if (q[0][i] != q[1][i]) {
      if (first < 0) first = static_cast<int64_t>(i);
      ++diff;
    }
  if (diff != 0)
    std::printf("  %s (%s, %lld x %lld, scheme %d, s = %a): %lld of %zu values differ, first at %lld "
                "(x = %a: cpu %d, cuda %d)\n",
                what, in.dtype == OCT_DTYPE_FP16 ? "fp16" : "bf16", (long long)in.rows,
                (long long)in.cols, static_cast<int>(scheme), s, (long long)diff, q[0].size(),
                (long long)first, from_bits(in.dtype, in.bits[first]),
                static_cast<int8_t>(q[0][first]), static_cast<int8_t>(q[1][first]));
  CHECK(diff == 0);
  CHECK(std::memcmp(sc[0].data(), sc[1].data(), sc[0].size()) == 0);
}

// Every finite value of the dtype, in rows of 4096 (the last one padded with zeros).
Input all_values(oct_dtype_t d) {
  Input in{d, 0, 4096, {}};
  for (uint32_t h = 0; h < 65536; ++h)
    if (std::isfinite(from_bits(d, static_cast<uint16_t>(h)))) in.bits.push_back(static_cast<uint16_t>(h));
  in.rows = static_cast<int64_t>((in.bits.size() + 4095) / 4096);
  in.bits.resize(static_cast<size_t>(in.rows * 4096), 0);
  return in;
}

// Rows whose absmax fixes the scale s = absmax / 127 and whose other values are the nearest
// representable values to (k + 1/2) s and the 3 values on either side of each.
Input tie_rows(oct_dtype_t d, int64_t rows, int64_t cols, uint64_t seed) {
  Input in{d, rows, cols, std::vector<uint16_t>(static_cast<size_t>(rows * cols))};
  uint64_t state = seed;
  auto next = [&state]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int64_t r = 0; r < rows; ++r) {
    const float absmax = std::ldexp(1.0f + (next() % 1000) / 1000.0f, static_cast<int>(next() % 20) - 10);
    const uint16_t amax = to_bits(d, absmax);
    const float s = octet::scale_from_absmax(from_bits(d, amax));
    uint16_t* row = &in.bits[static_cast<size_t>(r * cols)];
    row[0] = amax;
    for (int64_t c = 1; c < cols; ++c) {
      const int k = static_cast<int>(next() % 254) - 127;
      uint16_t h = to_bits(d, (k + 0.5f) * s);
      const int step = static_cast<int>(next() % 7) - 3;  // -3 .. 3 representable steps
      for (int i = 0; i < std::abs(step); ++i) {
        const float f = from_bits(d, h);
        const bool up = (step > 0) == (f >= 0.0f);  // away from zero: bits up
        h = static_cast<uint16_t>(up ? h + 1 : h - 1);
      }
      if (std::fabs(from_bits(d, h)) > from_bits(d, amax) || !std::isfinite(from_bits(d, h))) h = 0;
      row[c] = h;
    }
  }
  return in;
}

}  // namespace

int main() {
  if (!harness::cuda_device_present("test_quantize_activations_cuda")) return harness::kSkipped;
  oct_context_t cpu = nullptr, gpu = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &cpu));
  OCT(oct_context_create(OCT_BACKEND_CUDA, 0, &gpu));
  for (oct_dtype_t d : {OCT_DTYPE_FP16, OCT_DTYPE_BF16}) {
    const Input all = all_values(d);
    // Static scales: powers of two put many values exactly on half-integers (ties to even); the
    // others are arbitrary; tiny and huge ones saturate or underflow.
    for (float s : {1.0f, 0.5f, 0x1p-6f, 0x1p-14f, 0.0371f, 0.001f, 3.7f, 1e-30f, 1e30f})
      run_case(cpu, gpu, all, OCT_ACT_STATIC_PER_TENSOR, s, nullptr, "all values, static");
    run_case(cpu, gpu, all, OCT_ACT_DYNAMIC_PER_TOKEN, 0, nullptr, "all values, per token");
    run_case(cpu, gpu, all, OCT_ACT_DYNAMIC_PER_TENSOR, 0, nullptr, "all values, per tensor");
    // Near-tie rows at each launch shape's lengths (one row per block held in registers: 64 x 2
    // chunks of 8 to 1024 columns; then up to 2 x SMs rows 512 threads x 4 chunks; more rows
    // 128 x 2 or 64 x 4 to 2048 columns, 256 x 2 or 128 x 4 to 4096 (by rows x threads against
    // the GPU's resident threads: 2112 / 1056 rows on an H100), 256 x 4 to 8192, 256 x 8
    // (smoothed: 512 x 4) to 16384; partial chunk rounds included) and past them (the row read
    // twice), and ragged K.
    const int64_t lengths[][2] = {{64, 2048}, {64, 4096}, {2000, 4096}, {700, 3000}, {64, 8192},
                                  {600, 1000}, {500, 2048}, {2200, 1536}, {400, 5120}, {300, 8192},
                                  {1100, 11008}, {300, 14336}, {280, 16384}, {64, 16384},
                                  {64, 16392}, {64, 1001}, {3, 40}};
    for (auto& rc : lengths) {
      const int64_t rows = rc[0], cols = rc[1];
      const Input ties = tie_rows(d, rows, cols, 1000 + cols + rows);
      run_case(cpu, gpu, ties, OCT_ACT_DYNAMIC_PER_TOKEN, 0, nullptr, "near-tie rows, per token");
      std::vector<float> smooth(static_cast<size_t>(cols));
      for (int64_t c = 0; c < cols; ++c) smooth[c] = 0.25f + 0.001f * static_cast<float>(c % 997);
      run_case(cpu, gpu, ties, OCT_ACT_DYNAMIC_PER_TOKEN, 0, &smooth, "near-tie rows, smoothed");
    }
    // Views off the 16-byte (x) and 8-byte (xq) alignment of the vector loads and stores: the
    // kernels fall back to one value per thread (a vector access there would fault).
    for (int64_t cols : {int64_t(4096), int64_t(11008)}) {
      const Input ties = tie_rows(d, 40, cols, 77 + cols);
      run_case(cpu, gpu, ties, OCT_ACT_DYNAMIC_PER_TOKEN, 0, nullptr, "x view off alignment", 1, 0);
      run_case(cpu, gpu, ties, OCT_ACT_DYNAMIC_PER_TOKEN, 0, nullptr, "xq view off alignment", 0, 3);
      run_case(cpu, gpu, ties, OCT_ACT_DYNAMIC_PER_TOKEN, 0, nullptr, "aligned views", 8, 8);
    }
    // Non-finite rows: scale NaN, xq 0 (per token); saturation and NaN -> 0 (static).
    Input bad = tie_rows(d, 4, 4096, 7);
    bad.bits[5] = to_bits(d, std::numeric_limits<float>::infinity());
    bad.bits[4096 + 9] = to_bits(d, std::numeric_limits<float>::quiet_NaN());
    run_case(cpu, gpu, bad, OCT_ACT_DYNAMIC_PER_TOKEN, 0, nullptr, "non-finite rows, per token");
    run_case(cpu, gpu, bad, OCT_ACT_STATIC_PER_TENSOR, 0.01f, nullptr, "non-finite rows, static");
  }
  OCT(oct_context_destroy(gpu));
  OCT(oct_context_destroy(cpu));
  return harness::finish("test_quantize_activations_cuda");
}
