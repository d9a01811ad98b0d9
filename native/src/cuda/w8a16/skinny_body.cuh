// W8A16 for small M (decode, and up to M = 128 in slices of 64 tokens): the body of a memory-bound kernel that streams
// every int8 weight byte from HBM exactly once (launched by skinny.cu).
//
// A block owns 16 output features (weight rows) and all of K (with kMultiTile: several such
// 16-row tiles one after the other, Problem::tiles_per_block, so that the grid is one wave of
// equal blocks); its kWarps warps split K by 64-wide chunks (warp w takes chunks w, w + kWarps,
// ... of every tile). Per chunk a lane loads 16 int8 of weight row g
// and of row g + 8 (16-byte loads that skip L1) and 16 halves of activation row g (and g + 8, ...
// for more tokens; these hit L1/L2: x is small and every block reads it), converts the int8 to
// exact fp16/bf16 in registers and runs four mma.sync.m16n8k16 with the weight as the 16-row A
// operand and the tokens as the 8-column B operand (see w8a16.cuh for the K permutation that
// makes the loads contiguous). A warp takes its chunks in batches of U; with double buffering
// (kDouble) the next batch's loads are issued before this batch's math, so a warp always has
// loads in flight, across the block's tiles too. The warps' fp32 partial sums of a tile meet in
// shared memory and are added in a fixed order: results are deterministic, with no atomics and
// no workspace, and the same bit for bit whatever the tiles per block.
#pragma once

#include "cuda/common/mma.cuh"
#include "cuda/common/pdl.cuh"
#include "cuda/w8a16/w8a16.cuh"

namespace octet::cuda::w8a16 {
namespace skinny {

constexpr int kRows = 16;  // weight rows per block

__device__ __forceinline__ void load_acts(uint32_t (&r)[4], const void* p) {
  const uint4 v = __ldg(static_cast<const uint4*>(p));
  r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
}

// The shape of a launch: warps per block splitting K, chunks per batch, double buffering.
template <int W, int U_, bool D>
struct Shape {
  static constexpr int kWarps = W, U = U_;
  static constexpr bool kDouble = D;
  // At least 16 warps per SM: two 8-warp blocks, at most 128 registers (a first version of the
  // per-group NT = 8 kernel took 132, one block per SM, and ran 48% slower at M = 64).
  static constexpr int kMinBlocks = W >= 16 ? 1 : 16 / W;
};

// The per-channel shapes at M <= 8 (NT = 1) and M <= 16 (NT = 2): 16 warps, the block of the
// int8 decode kernel, whose W8A16 branch uses them too (so its results are oct_gemm_w8a16's).
using ShapeM8 = Shape<16, 1, true>;
using ShapeM16PerChannel = Shape<16, 1, false>;

// NT: 8-token column tiles (M <= 8 NT). kPerGroup: scales [N, groups] with group % 64 == 0.
// The kernel's body, for a block of S::kWarps warps and blockIdx.x the 16-row block (kMultiTile:
// the block of whole.tiles_per_block 16-row tiles); also the W8A16 branch of the int8 decode
// kernel (int8_gemm/skinny.cu, LLM.int8() promoted), whose blocks have the same shape.
// red: the block's shared scratch for the warps' partial sums; with kMultiTile two buffers of
// it, which a block's tiles take in turn.
template <int NT, class S, int B = 1>
using Scratch = float[B][S::kWarps][NT * 4][32];
template <typename T, int NT, bool kPerGroup, class S, bool kMultiTile = false, int B>
__device__ __forceinline__ void skinny_body(const Problem& whole, Scratch<NT, S, B>& red) {
  static_assert(B == (kMultiTile ? 2 : 1), "one buffer of partial sums per tile in flight");
  static_assert(!kMultiTile || S::kDouble, "the tiles' batches are double buffered");
  constexpr int kWarps = S::kWarps, U = S::U;
  // blockIdx.y: the slice of kSliceM tokens this block computes (more than kSliceM tokens run as
  // a grid of slices; their blocks read the same weight rows, the second time mostly from L2).
  Problem p = whole;
  if (blockIdx.y > 0) {
    const int tok0 = static_cast<int>(blockIdx.y) * kSliceM;
    p.x = static_cast<const T*>(p.x) + static_cast<int64_t>(tok0) * p.k;
    p.out = static_cast<T*>(p.out) + static_cast<int64_t>(tok0) * p.n;
    p.m -= tok0;
  }
  p.m = p.m < kSliceM ? p.m : kSliceM;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const T* x = static_cast<const T*>(p.x);
  const int chunks = (p.k + kChunk - 1) / kChunk;
  // The block's tiles [tile0, tile_end) and a lane's two weight rows of a tile.
  const int tiles = (p.n + kRows - 1) / kRows;
  const int tile0 = static_cast<int>(blockIdx.x) * (kMultiTile ? p.tiles_per_block : 1);
  const int tile_end = min(tile0 + p.tiles_per_block, tiles);
  struct Rows {
    const int8_t *lo, *hi;
    int n_lo, n_hi;
    bool ok_lo, ok_hi;
  };
  auto rows_of = [&](int tile) {
    Rows r;
    r.n_lo = tile * kRows + g, r.n_hi = r.n_lo + 8;
    r.ok_lo = r.n_lo < p.n, r.ok_hi = r.n_hi < p.n;
    r.lo = p.q + static_cast<int64_t>(r.ok_lo ? r.n_lo : 0) * p.k + 16 * t;
    r.hi = p.q + static_cast<int64_t>(r.ok_hi ? r.n_hi : 0) * p.k + 16 * t;
    return r;
  };

  // Under programmatic dependent launch (sm90, see launch()) the block may start while the
  // previous kernel on the stream finishes: every load and store comes after this wait. With
  // p.prefetch the lines of the warp's first two batches go to L2 before it, so that the stream's
  // first DRAM round trip overlaps the previous kernel's end; a prefetch brings nothing into the
  // SM, and L2 is where a write lands, so a write of q by the previous kernel still wins.
  // (Prefetching the whole slice was measured slower: 11.0 vs 9.2 us at M = 2.)
  if (p.prefetch && t == 0) {
    const Rows r = rows_of(tile0);
#pragma unroll
    for (int u = 0; u < 2 * U; ++u) {
      const int c = warp + u * kWarps;
      if (c < chunks) {
        if (r.ok_lo) prefetch_l2(r.lo + c * kChunk);
        if (r.ok_hi) prefetch_l2(r.hi + c * kChunk);
      }
    }
  }
  wait_for_prerequisites();
  if (!gate_open(p)) return;

  float acc[NT][4];
#pragma unroll
  for (int nt = 0; nt < NT; ++nt)
#pragma unroll
    for (int i = 0; i < 4; ++i) acc[nt][i] = 0.0f;

  // Per group, the partial sums of a chunk (one group) are scaled into acc, four token tiles at a
  // time (the weights converted once per four); with 4 or 8 tiles the activations are loaded in
  // math(), right before their use (L1/L2 hits), not with the batch: no spills within 128
  // registers (H100: 3-5% faster at NT = 4 than loading them with the batch, within 3% at 8).
  constexpr int kTiles = kPerGroup && NT > 4 ? 4 : NT;
  constexpr bool kLazyX = kPerGroup && NT > 2;
  auto load_x = [&](uint32_t (&xa)[8], int nt, int c) {
    const int m = nt * 8 + g, k = c * kChunk + 16 * t;
#pragma unroll
    for (int i = 0; i < 8; ++i) xa[i] = 0u;
    if (c < chunks && k < p.k && m < p.m) {
      const T* xp = x + static_cast<int64_t>(m) * p.k + k;
      load_acts(*reinterpret_cast<uint32_t(*)[4]>(&xa[0]), xp);
      load_acts(*reinterpret_cast<uint32_t(*)[4]>(&xa[4]), xp + 8);
    }
  };

  // One batch of U chunks: weights, activations (unless kLazyX) and (per group) scales, zero past
  // K.
  struct Batch {
    uint32_t wl[U][4], wh[U][4], xa[U][kLazyX ? 1 : NT][8];
    float sl[U], sh[U];
    int c[U];
  };
  auto issue = [&](Batch& b, const Rows& r, int c0) {
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int c = c0 + u * kWarps;
      const int k = c * kChunk + 16 * t;
      const bool kin = c < chunks && k < p.k;  // K % 16 == 0: a lane's 16 inputs are all in or out
#pragma unroll
      for (int i = 0; i < 4; ++i) b.wl[u][i] = b.wh[u][i] = 0u;
      if (kin && r.ok_lo) load_streamed16(b.wl[u], r.lo + c * kChunk);
      if (kin && r.ok_hi) load_streamed16(b.wh[u], r.hi + c * kChunk);
      if constexpr (kPerGroup) {
        const int grp = (c * kChunk) / p.group_size;
        b.sl[u] = (c < chunks && r.ok_lo) ? __ldg(p.scales + static_cast<int64_t>(r.n_lo) * p.groups + grp) : 0.0f;
        b.sh[u] = (c < chunks && r.ok_hi) ? __ldg(p.scales + static_cast<int64_t>(r.n_hi) * p.groups + grp) : 0.0f;
      }
      b.c[u] = c;
      if constexpr (!kLazyX)
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) load_x(b.xa[u][nt], nt, c);
    }
  };
  auto math = [&](const Batch& b) {
#pragma unroll
    for (int u = 0; u < U; ++u) {
#pragma unroll
      for (int nt0 = 0; nt0 < NT; nt0 += kTiles) {
        uint32_t lx[kLazyX ? kTiles : 1][8];
        if constexpr (kLazyX)
#pragma unroll
          for (int nt = 0; nt < kTiles; ++nt) load_x(lx[nt], nt0 + nt, b.c[u]);
        auto xw = [&](int nt, int w) -> uint32_t {
          if constexpr (kLazyX) return lx[nt][w];
          else return b.xa[u][nt0 + nt][w];
        };
        float part[kTiles][4];
#pragma unroll
        for (int nt = 0; nt < kTiles; ++nt)
#pragma unroll
          for (int i = 0; i < 4; ++i) part[nt][i] = 0.0f;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          uint32_t a[4];  // a0a1: row g, a2a3: row g + 8, a4a5 / a6a7: their second k pair
          Int8x4<T>::convert(b.wl[u][j], a[0], a[2]);
          Int8x4<T>::convert(b.wh[u][j], a[1], a[3]);
#pragma unroll
          for (int nt = 0; nt < kTiles; ++nt)
            Mma<T>::run(kPerGroup ? part[nt] : acc[nt0 + nt], a, xw(nt, 2 * j), xw(nt, 2 * j + 1));
        }
        if constexpr (kPerGroup) {
#pragma unroll
          for (int nt = 0; nt < kTiles; ++nt) {
            acc[nt0 + nt][0] = fmaf(b.sl[u], part[nt][0], acc[nt0 + nt][0]);
            acc[nt0 + nt][1] = fmaf(b.sl[u], part[nt][1], acc[nt0 + nt][1]);
            acc[nt0 + nt][2] = fmaf(b.sh[u], part[nt][2], acc[nt0 + nt][2]);
            acc[nt0 + nt][3] = fmaf(b.sh[u], part[nt][3], acc[nt0 + nt][3]);
          }
        }
      }
    }
  };

  // Deterministic reduction of a tile over the warps, then scale, bias and the one rounding.
  int flushes = 0;
  auto flush = [&](int tile) {
    auto& buf = red[flushes % B];
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) buf[warp][nt * 4 + i][lane] = acc[nt][i], acc[nt][i] = 0.0f;
    __syncthreads();
    ++flushes;
    const int row0 = tile * kRows;
    for (int idx = threadIdx.x; idx < NT * 4 * 32; idx += blockDim.x) {
      const int r = idx >> 5, l = idx & 31, nt = r >> 2, i = r & 3;
      const int n = row0 + (l >> 2) + (i >= 2 ? 8 : 0);
      const int m = nt * 8 + 2 * (l & 3) + (i & 1);
      if (n >= p.n || m >= p.m) continue;
      float v = 0.0f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) v += buf[w][r][l];
      // Scale and bias as one explicit fma (as the sm90 GEMM's epilogue): the result must not
      // depend on whether the compiler contracts a multiply and an add in this kernel or in the
      // int8 decode kernel that inlines this body (LLM.int8() promoted is oct_gemm_w8a16 bit for
      // bit; a contraction differing between the two changed 3 of 65536 outputs on the H100).
      const float b = p.bias != nullptr ? from_in<T>(static_cast<const T*>(p.bias)[n]) : 0.0f;
      if constexpr (!kPerGroup)
        v = p.bias != nullptr ? fmaf(v, p.scales[n], b) : __fmul_rn(v, p.scales[n]);
      else
        v = __fadd_rn(v, b);
      static_cast<T*>(p.out)[static_cast<int64_t>(m) * p.n + n] = to_out<T>(v);
    }
  };

  constexpr int kStep = kWarps * U;  // chunks per batch over the block
  if constexpr (!kMultiTile) {
    const Rows r = rows_of(tile0);
    if constexpr (S::kDouble) {
      Batch b0, b1;
      int c0 = warp;
      if (c0 < chunks) issue(b0, r, c0);
      for (; c0 < chunks; c0 += 2 * kStep) {
        if (c0 + kStep < chunks) issue(b1, r, c0 + kStep);
        math(b0);
        if (c0 + kStep >= chunks) break;
        if (c0 + 2 * kStep < chunks) issue(b0, r, c0 + 2 * kStep);
        math(b1);
      }
    } else {
      for (int c0 = warp; c0 < chunks; c0 += kStep) {
        Batch b;
        issue(b, r, c0);  // every load of the batch before its first use
        math(b);
      }
    }
    // Our weight reads are done: the next kernel (if launched with programmatic dependent launch)
    // may start its blocks and its own prefetch; it still waits for our completion before it
    // reads anything we write.
    allow_dependent_launch();
    flush(tile0);
  } else {
    // A warp's batches, tile by tile: in each tile the chunks warp, warp + kStep, ... (a warp
    // past K's chunks has none, and only takes part in the reductions). The loads of a tile's
    // first batch are issued before the reduction of the tile before it.
    if (warp >= chunks) {
      allow_dependent_launch();
      for (int tile = tile0; tile < tile_end; ++tile) flush(tile);
      return;
    }
    int tile = tile0, c0 = warp;
    // The batch after (tile, c0); false past the block's last tile.
    auto next = [&](int& nt, int& nc) {
      nt = tile, nc = c0 + kStep;
      if (nc >= chunks) nc = warp, ++nt;
      return nt < tile_end;
    };
    // Math of the batch at (tile, c0), then the tile's reduction when the next batch is another
    // tile's, or after the last one (once the next kernel is released: our reads are done).
    auto finish = [&](const Batch& b, bool more, int nt) {
      math(b);
      if (!more) allow_dependent_launch();
      if (!more || nt != tile) flush(tile);
    };
    Batch b0, b1;
    issue(b0, rows_of(tile), c0);
    for (;;) {
      int nt, nc;
      bool more = next(nt, nc);
      if (more) issue(b1, rows_of(nt), nc);
      finish(b0, more, nt);
      if (!more) break;
      tile = nt, c0 = nc;
      more = next(nt, nc);
      if (more) issue(b0, rows_of(nt), nc);
      finish(b1, more, nt);
      if (!more) break;
      tile = nt, c0 = nc;
    }
  }
}

}  // namespace skinny
}  // namespace octet::cuda::w8a16
