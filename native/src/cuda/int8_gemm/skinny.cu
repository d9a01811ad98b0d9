// The int8 GEMM at decode sizes (M <= kSkinnyMaxM): a weight-streaming kernel on the tensor
// cores. The problem is bound by reading b ([N, K] int8) once, so a block owns 16 rows of b (16
// output features) and all of K; its warps split K by 64-byte chunks (warp w takes chunks w,
// w + kWarps, ...). Per chunk a lane loads 16 bytes of b rows g and g + 8 (16-byte loads that skip
// L1) and 16 bytes of a's row g (and g + 8: a is small, every block reads it from L1/L2), and runs
// two mma.sync.m16n8k32 (s8 x s8 -> s32) with b as the 16-row A operand and the tokens as the
// 8-column B operand. K permutation (as in w8a16.cuh): the k slots (4t + e) and (16 + 4t + e) of
// step j take the physical inputs 16t + 8j + e and 16t + 8j + 4 + e, so that both operands of a
// lane are one contiguous 16-byte load per chunk. A warp takes one chunk per batch and issues the
// next batch's loads before this batch's mma (double buffering). The warps' int32 partial sums
// meet in shared memory (exact: any order gives the same sum).
//
// The epilogue is the library's (common/gemm_s8.hpp), with the source term read from c, or (LLM.
// int8() at decode sizes: p.outlier_x) computed here: c[m, n] = round(b_scale[n] * sum_i
// outlier_x[m, i] * b[n, outlier_idx[i]]), the sum in fp32 on the tensor cores (below), rounded
// to out's dtype as a stored c would be; when LLM.int8() is promoted (p.promote_x), the W8A16
// product instead (w8a16/skinny_body.cuh). No atomics, no workspace. Needs tensor_core_aligned(p);
// sm_80 or newer.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <type_traits>

#include "cuda/common/check.cuh"
#include "cuda/common/mma.cuh"
#include "cuda/common/pdl.cuh"
#include "cuda/common/types.cuh"
#include "cuda/int8_gemm/gemm_s8.hpp"
#include "cuda/w8a16/skinny_body.cuh"

namespace octet::cuda::int8_gemm {
namespace {

constexpr int kRows = 16;   // rows of b per block
constexpr int kChunk = 64;  // bytes of K per chunk (two k32 steps)
constexpr int kWarps = 16;  // warps splitting K

__device__ __forceinline__ void mma_s8(int (&d)[4], uint32_t a0, uint32_t a1, uint32_t a2,
                                       uint32_t a3, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// NT: 8-token tiles (M <= 8 NT). kLlm: LLM.int8() (p.outlier_x set): the outlier part computed
// here, and the promoted branch; a plain GEMM's instantiation has neither.
template <int NT, bool kLlm>
__global__ void __launch_bounds__(kWarps * 32) skinny_s8_kernel(GemmS8Problem p) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int64_t row0 = int64_t(blockIdx.x) * kRows;
  const int64_t n_lo = row0 + g, n_hi = row0 + g + 8;
  const bool ok_lo = n_lo < p.n, ok_hi = n_hi < p.n;
  const int8_t* br_lo = p.b + (ok_lo ? n_lo : 0) * p.k;  // rows g and g + 8 of b
  const int8_t* br_hi = p.b + (ok_hi ? n_hi : 0) * p.k;
  const int8_t* b_lo = br_lo + 16 * t;  // the lane's 16 bytes of each chunk
  const int8_t* b_hi = br_hi + 16 * t;
  const int m_count = static_cast<int>(p.m);
  const int chunks = static_cast<int>((p.k + kChunk - 1) / kChunk);

  // Under programmatic dependent launch the block may start while the previous kernel on the
  // stream finishes: every load and store comes after this wait.
  wait_for_prerequisites();
  // The outlier part's scratch (declared here: the promoted branch sums its warps in it too).
  __shared__ float ored[kWarps][NT * 4][32];

  int acc[NT][4];
#pragma unroll
  for (int nt = 0; nt < NT; ++nt)
#pragma unroll
    for (int i = 0; i < 4; ++i) acc[nt][i] = 0;

  struct Batch {
    uint32_t bl[4], bh[4], a[NT][4];
  };
  auto issue = [&](Batch& x, int c) {
    const int64_t k = int64_t(c) * kChunk + 16 * t;
    const bool kin = c < chunks && k < p.k;  // K % 16 == 0: a lane's 16 bytes are all in or out
#pragma unroll
    for (int i = 0; i < 4; ++i) x.bl[i] = x.bh[i] = 0u;
    if (kin && ok_lo) load_streamed16(x.bl, b_lo + int64_t(c) * kChunk);
    if (kin && ok_hi) load_streamed16(x.bh, b_hi + int64_t(c) * kChunk);
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const int m = nt * 8 + g;
      uint4 v = make_uint4(0, 0, 0, 0);
      if (kin && m < m_count) v = __ldg(reinterpret_cast<const uint4*>(p.a + int64_t(m) * p.k + k));
      x.a[nt][0] = v.x, x.a[nt][1] = v.y, x.a[nt][2] = v.z, x.a[nt][3] = v.w;
    }
  };
  auto math = [&](const Batch& x) {
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int nt = 0; nt < NT; ++nt)
        mma_s8(acc[nt], x.bl[2 * j], x.bh[2 * j], x.bl[2 * j + 1], x.bh[2 * j + 1],
               x.a[nt][2 * j], x.a[nt][2 * j + 1]);
  };
  // The main loop's first batch goes out before anything that depends on the outlier count
  // (LLM.int8()): reading the count is a round trip of its own, and the stream must not wait on it.
  Batch b0, b1;
  int c0 = warp;
  if (c0 < chunks) issue(b0, c0);
  // The outlier part (LLM.int8() at decode sizes; below): a warp's first step of 16 outliers is
  // fetched while the first batch is in flight, so that its dependent round trips (the count, the
  // list, then the bytes of b it points at) overlap the stream instead of following it.
  constexpr bool computed = kLlm;
  const int count = computed ? *p.c_count : 0;
  // LLM.int8() promoted (more than K / 32 outlier columns, gemm_s8.hpp): the block computes its 16
  // rows of the W8A16 product instead (below).
  const bool promoted = computed && p.promote_x != nullptr && count > p.promote_above;
  const int outliers = promoted ? 0 : count;
  // Outliers k0 + 2t, +1 and k0 + 2t + 8, +9 (the mma's k slots 2t, 2t + 1, 2t + 8, 2t + 9).
  auto outlier_cols = [&](int k0, int (&col)[4]) {
#pragma unroll
    for (int h = 0; h < 2; ++h)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int i = k0 + 2 * t + 8 * h + e;
        col[2 * h + e] = i < outliers ? p.outlier_idx[i] : -1;
      }
  };
  // The bytes b[n, col[0..3]] of rows g and g + 8 (0 past the list).
  auto gather = [&](const int (&col)[4], uint32_t& wl, uint32_t& wh) {
    wl = wh = 0;
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      if (col[e] < 0) continue;
      if (ok_lo) wl |= uint32_t(uint8_t(br_lo[col[e]])) << (8 * e);
      if (ok_hi) wh |= uint32_t(uint8_t(br_hi[col[e]])) << (8 * e);
    }
  };
  // The tokens' outlier values of step k0: x_o[m, k0 + 2t, +1] and [m, k0 + 2t + 8, +9], m = 8 nt +
  // g, as raw 16-bit pairs (x_o is zero-padded past the list to the K step; 0 past M).
  auto outlier_x = [&](int k0, uint32_t (&xb)[NT][2]) {
    const uint16_t* xo = static_cast<const uint16_t*>(p.outlier_x);
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const int m = nt * 8 + g;
      xb[nt][0] = xb[nt][1] = 0u;
      if (m < m_count) {
        const uint16_t* xr = xo + int64_t(m) * p.outlier_ld + k0 + 2 * t;
        xb[nt][0] = *reinterpret_cast<const uint32_t*>(xr);
        xb[nt][1] = *reinterpret_cast<const uint32_t*>(xr + 8);
      }
    }
  };
  int first_col[4] = {-1, -1, -1, -1};
  uint32_t first_wl = 0, first_wh = 0, first_xb[NT][2];
  if (16 * warp < outliers) outlier_cols(16 * warp, first_col);
  {
    // Promoted: the W8A16 decode kernel's own body and shape. The batch already issued is the
    // same bytes its first loads read (same rows, chunks and lanes), which then come from L2.
    if constexpr (kLlm) if (promoted) {
      const w8a16::Problem w =
          w8a16::per_channel(p.promote_x, p.b, p.b_scale, p.bias, p.out, p.m, p.n, p.k);
      using S = std::conditional_t<NT == 1, w8a16::skinny::ShapeM8, w8a16::skinny::ShapeM16PerChannel>;
      static_assert(S::kWarps == kWarps, "the W8A16 branch runs in this kernel's blocks");
      // (one tile per block: one buffer of partial sums, this kernel's own)
      auto& scratch = *reinterpret_cast<w8a16::skinny::Scratch<NT, S, 1>*>(&ored);
      if (p.out_dtype == OCT_DTYPE_FP16)
        w8a16::skinny::skinny_body<__half, NT, false, S>(w, scratch);
      else
        w8a16::skinny::skinny_body<__nv_bfloat16, NT, false, S>(w, scratch);
      return;
    }
    // (its x_o values too: loaded now, they are not a round trip after the stream)
    if (16 * warp < outliers) {
      gather(first_col, first_wl, first_wh);
      outlier_x(16 * warp, first_xb);
    }
    for (; c0 < chunks; c0 += 2 * kWarps) {
      if (c0 + kWarps < chunks) issue(b1, c0 + kWarps);
      math(b0);
      if (c0 + kWarps >= chunks) break;
      if (c0 + 2 * kWarps < chunks) issue(b0, c0 + 2 * kWarps);
      math(b1);
    }
  }
  // Our reads of b are done: a dependent kernel may begin launching (it waits for our completion
  // before it reads what we write).
  allow_dependent_launch();

  // The warps' partial sums; accumulator (nt, i) of lane l is out[m, n] with n = row0 + l / 4
  // (+ 8 for i >= 2) and m = 8 nt + 2 (l % 4) + i % 2.
  __shared__ int red[kWarps][NT * 4][32];
#pragma unroll
  for (int nt = 0; nt < NT; ++nt)
#pragma unroll
    for (int i = 0; i < 4; ++i) red[warp][nt * 4 + i][lane] = acc[nt][i];

  // The outlier part on the tensor cores: out[m, n] gets sum_i b[n, idx_i] x_o[m, i], a GEMM of
  // the block's 16 rows of b and the tokens over the outlier list, 16 outliers per mma.m16n8k16
  // (b as exact fp16/bf16 integers, fp32 accumulation). Warp w takes the steps w, w + kWarps, ...
  // (two at a time, their loads together); the warps' sums meet in shared memory in a fixed order:
  // deterministic.
  if (computed) {
    auto outlier_part = [&](auto tag) {
      using T = typename Element<decltype(tag)::value>::type;
      float oacc[NT][4];
#pragma unroll
      for (int nt = 0; nt < NT; ++nt)
#pragma unroll
        for (int i = 0; i < 4; ++i) oacc[nt][i] = 0.0f;
      auto step = [&](uint32_t wl, uint32_t wh, const uint32_t (&xb)[NT][2]) {
        uint32_t a[4];  // a0: row g (k 2t, 2t + 1), a1: row g + 8, a2 / a3: their k + 8 pair
        Int8x4<T>::convert(wl, a[0], a[2]);
        Int8x4<T>::convert(wh, a[1], a[3]);
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) Mma<T>::run(oacc[nt], a, xb[nt][0], xb[nt][1]);
      };
      if (16 * warp < outliers) step(first_wl, first_wh, first_xb);
      for (int k0 = 16 * (warp + kWarps); k0 < outliers; k0 += 32 * kWarps) {
        const int k1 = k0 + 16 * kWarps;
        int col0[4], col1[4] = {-1, -1, -1, -1};
        uint32_t wl0, wh0, wl1 = 0, wh1 = 0, xb0[NT][2], xb1[NT][2];
        outlier_cols(k0, col0);
        if (k1 < outliers) outlier_cols(k1, col1);
        gather(col0, wl0, wh0);
        outlier_x(k0, xb0);
        if (k1 < outliers) {
          gather(col1, wl1, wh1);
          outlier_x(k1, xb1);
        }
        step(wl0, wh0, xb0);
        if (k1 < outliers) step(wl1, wh1, xb1);
      }
#pragma unroll
      for (int nt = 0; nt < NT; ++nt)
#pragma unroll
        for (int i = 0; i < 4; ++i) ored[warp][nt * 4 + i][lane] = oacc[nt][i];
    };
    if (p.out_dtype == OCT_DTYPE_FP16)
      outlier_part(std::integral_constant<oct_dtype_t, OCT_DTYPE_FP16>{});
    else
      outlier_part(std::integral_constant<oct_dtype_t, OCT_DTYPE_BF16>{});
  }
  __syncthreads();

  for (int e = threadIdx.x; e < NT * 4 * 32; e += blockDim.x) {
    const int r = e >> 5, l = e & 31, nt = r >> 2, i = r & 3;
    const int64_t n = row0 + (l >> 2) + (i >= 2 ? 8 : 0);
    const int m = nt * 8 + 2 * (l & 3) + (i & 1);
    if (n >= p.n || m >= m_count) continue;
    int v = 0;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) v += red[w][r][l];
    const int64_t o = int64_t(m) * p.n + n;
    if (p.out_dtype == OCT_DTYPE_INT32) {
      static_cast<int32_t*>(p.out)[o] = v;
      continue;
    }
    auto store = [&](auto tag) {
      using E = Element<decltype(tag)::value>;
      using T = typename E::type;
      const float bs = p.b_scale[p.b_per_col ? n : 0];
      const float as = p.a_scale[p.a_per_row ? m : 0];
      const float bias = p.bias ? E::load(static_cast<const T*>(p.bias)[n]) : 0.0f;
      float y;
      if (computed) {  // c as a stored c would be: scaled, rounded to out's dtype
        float c = 0.0f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) c += ored[w][r][l];
        y = gemm_s8_epilogue_src(v, as, bs, bias, E::load(E::store(c * bs)));
      }
      else if (p.c != nullptr)
        y = gemm_s8_epilogue_src(v, as, bs, bias, E::load(static_cast<const T*>(p.c)[o]));
      else
        y = gemm_s8_epilogue(v, as, bs, bias);
      static_cast<T*>(p.out)[o] = E::store(y);
    };
    if (p.out_dtype == OCT_DTYPE_FP16)
      store(std::integral_constant<oct_dtype_t, OCT_DTYPE_FP16>{});
    else
      store(std::integral_constant<oct_dtype_t, OCT_DTYPE_BF16>{});
  }
}

template <int NT>
void launch(const GemmS8Problem& p, bool pdl, cudaStream_t stream) {
  const int64_t blocks = (p.n + kRows - 1) / kRows;
  if (blocks > 0x7fffffff) fail(OCT_STATUS_NOT_SUPPORTED, "N = %lld is too large", (long long)p.n);
  const PdlLaunch l(dim3(static_cast<unsigned>(blocks)), dim3(kWarps * 32), stream, pdl);
  if (p.outlier_x != nullptr)
    OCT_CUDA_CHECK(cudaLaunchKernelEx(&l.cfg, skinny_s8_kernel<NT, true>, p));
  else
    OCT_CUDA_CHECK(cudaLaunchKernelEx(&l.cfg, skinny_s8_kernel<NT, false>, p));
  OCT_CUDA_CHECK_LAUNCH("skinny_s8_kernel");
}

}  // namespace

void run_skinny(const GemmS8Problem& p, bool pdl, cudaStream_t stream) {
  if (p.m <= 8) return launch<1>(p, pdl, stream);
  return launch<2>(p, pdl, stream);
}

}  // namespace octet::cuda::int8_gemm
