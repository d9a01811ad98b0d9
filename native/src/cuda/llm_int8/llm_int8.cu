// LLM.int8() on the GPU (common/llm_int8.hpp has the definition). All nodes on the caller's
// stream, none allocating or synchronising, the outlier count never leaving the device.
//
// Decode sizes (M <= 16, K <= 16384, M * K <= 24 * 4096, aligned x, and the int8 GEMM's decode
// kernel can take the problem): two launches, as W8A8's. The decode kernel (int8_gemm/skinny.cu)
// computes the outlier part itself from xo, idx and q: no wo, no outlier GEMM, no c.
//   1+2. small_prep_kernel: M blocks, each copying all of x into its shared memory and taking the
//        column maxima itself (no memset, no inter-block step); block m compacts the outlier
//        columns, writes its outlier values into xo and quantizes row m over its non-outlier
//        columns (outliers zeroed); block 0 writes idx and count
// Otherwise, for rows of up to kResidentMaxCols columns (or where the fused kernel below does
// not fit), two passes over the rows, speculatively (no pass over the columns first):
//   0. memset: the count and two flag words per 32 columns
//   1. spec_quant_kernel (one row per block, in registers; spec_quant_loop_kernel past
//      kResidentMaxCols or unaligned): quantizes row m over its values with |x| <= threshold,
//      zeroing the others (those columns are outliers unless a NaN shares the column), and ORs
//      their columns into the flag words
//   2. spec_fix_kernel (PDL): every block compacts the outlier columns, then a warp per row
//      writes its outlier values into xo, zeroes them in xq, and redoes the row exactly where
//      its speculative scale may be wrong (its maximum may lie in an outlier column; a NaN
//      column exists); the blocks after the rows gather q[:, idx] into wo
// Rows longer than kResidentMaxCols while they fit in shared memory (one block per SM, M * K * 2
// bytes over all SMs; K <= 65535, aligned x):
//   0. memset: the grid barrier's counter and two flag words per 32 columns
//   1+2. fused_prep_kernel (cooperative): x read once into shared memory; column flags, a grid
//        barrier, then per block the outlier list, its rows quantized, xo and its share of wo
// Then (past decode sizes), on sm90:
//   3. the int8 GEMM of the regular part computes the outlier part in its main loop: after a
//      tile's int8 K blocks, xo and wo (here x's dtype, exact integers) as fp16/bf16 K blocks
//      accumulated in fp32 into the accumulators dequantized by the per-token scale (int8_gemm/
//      outlier_sm90.cuh); their number, ceil(count / 64), is read from the device, so the cost
//      follows the number of outliers and no outlier column costs one conversion per
//      accumulator. No c, no outlier GEMM.
// Elsewhere (sm80, portable kernels; wo int8):
//   3. outlier_gemm_kernel: c = (xo . wo^T) * w_scale on mma.sync m16n8k16 (fp16/bf16 in, fp32
//      accumulation; q enters as an exact fp16/bf16 integer), the K loop bound read from the
//      device (ceil(count / 32) steps), rounded to out's dtype and stored through shared memory
//      in 16-byte segments (zeros with no outlier column).
//   4. the int8 GEMM of the regular part with c as the epilogue's source term (int8_gemm/).
// Finally:
//   5. the promoted layer (more than K / 32 outlier columns): oct_gemm_w8a16's kernels behind a
//      device-side gate, writing out when the count exceeds K / 32 and returning at once
//      otherwise; when it does, the sm90 int8 GEMM is the one that returns at once (the sm80
//      and portable ones run, their output overwritten). At decode sizes the decode kernel
//      takes this branch itself (no further launch).
//
// Why c is in out's dtype rather than fp32 (sm80, portable): c is written once and read once at
// [M, N]; at M = 2048, N = 4096 that is 32 MB of traffic in fp16 against 64 MB in fp32. The price
// is one extra rounding of the outlier part (half an ulp of c in out's dtype), of the size of the
// final rounding; the tests' tolerances include it.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "common/objects.hpp"
#include "backends.hpp"
#include "common/llm_int8.hpp"
#include "common/numerics.hpp"
#include "cuda/common/async_copy.cuh"
#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/common/mma.cuh"
#include "cuda/common/pdl.cuh"
#include "cuda/common/quantize.cuh"
#include "cuda/common/reduce.cuh"
#include "cuda/common/row_shape.hpp"
#include "cuda/w8a16/w8a16.cuh"
#include "cuda/common/types.cuh"
#include "cuda/int8_gemm/gemm_s8.hpp"

namespace octet::cuda {
namespace {

constexpr int kKStep = static_cast<int>(kLlmInt8KStep);

template <oct_dtype_t D>
using Elem = typename Element<D>::type;

// Loads x[row, c0 .. c0+7] as floats (zero past `cols`); kVec: one 16-byte load (c0 + 8 <= cols).
template <oct_dtype_t D, bool kVec>
__device__ __forceinline__ void load8(const Elem<D>* __restrict__ xr, int64_t c0, int64_t cols,
                                      float (&v)[8]) {
  if constexpr (kVec) {
    if (c0 + 8 <= cols) {
      const uint4 raw = *reinterpret_cast<const uint4*>(xr + c0);
      const Elem<D>* e = reinterpret_cast<const Elem<D>*>(&raw);
#pragma unroll
      for (int j = 0; j < 8; ++j) v[j] = Element<D>::load(e[j]);
      return;
    }
  }
#pragma unroll
  for (int j = 0; j < 8; ++j) v[j] = c0 + j < cols ? Element<D>::load(xr[c0 + j]) : 0.0f;
}

// ---- the compaction of the outlier columns, shared by the preps

// Exclusive prefix sum of `v` over a block of kThreads threads in the order of `tid`, the
// thread's linear index (warp shuffles, one shared-memory step for the warp totals); *total gets
// the block's sum and *any the OR of `bits` over the block. One __syncthreads(): the warp totals
// are double-buffered by the parity of `pass`, so consecutive calls alternate it (pass 0, 1, 2,
// ...) and a barrier separates a sequence of calls from the next one.
template <int kThreads>
__device__ __forceinline__ int block_exclusive_scan(int v, int tid, int pass, int* total,
                                                    uint32_t bits = 0, uint32_t* any = nullptr) {
  static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps");
  constexpr int kWarps = kThreads / 32;
  __shared__ int warp_sums[2][kWarps];
  __shared__ uint32_t warp_bits[2][kWarps];
  const int lane = tid & 31, warp = tid >> 5, b = pass & 1;
  int incl = v;
#pragma unroll
  for (int d = 1; d < 32; d <<= 1) {
    const int t = __shfl_up_sync(0xffffffffu, incl, d);
    if (lane >= d) incl += t;
  }
  const uint32_t wbits = __reduce_or_sync(0xffffffffu, bits);
  if (lane == 31) warp_sums[b][warp] = incl, warp_bits[b][warp] = wbits;
  __syncthreads();
  int before = 0, sum = 0;
  uint32_t all = 0;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) {
    before += w < warp ? warp_sums[b][w] : 0;
    sum += warp_sums[b][w];
    all |= warp_bits[b][w];
  }
  *total = sum;
  if (any != nullptr) *any |= all;
  return before + incl - v;
}

// Compaction of per-word outlier flags into an ascending list: flags_of(w, &bits) returns word
// w's flags (bit b: column 32 w + b) and may OR bits of its own into `bits` (their OR over the
// block goes to *any), emit(i, column) receives the i-th outlier column. Per pass of kThreads
// words thread t owns word t (its loads all in flight at once in flags_of), and one block scan
// of the words' popcounts places its indices. `tid` is the thread's index in the block of
// kThreads; one barrier per pass, none after the last (the caller's before the list is read).
// Returns the count.
template <int kThreads, class Flags, class Emit>
__device__ int compact_words(int64_t words, int tid, Flags flags_of, Emit emit, uint32_t* any = nullptr) {
  int running = 0, pass = 0;
  for (int64_t base = 0; base < words; base += kThreads, ++pass) {
    const int64_t w = base + tid;
    uint32_t bits = 0;
    const uint32_t flags = w < words ? flags_of(w, bits) : 0u;
    int total = 0;
    int at = running + block_exclusive_scan<kThreads>(__popc(flags), tid, pass, &total, bits, any);
    for (uint32_t f = flags; f != 0; f &= f - 1) emit(at++, static_cast<int32_t>(w * 32 + __ffs(f) - 1));
    running += total;
  }
  return running;
}

// ---- the regular part's quantization, shared by the preps

// The outlier flags of columns c0 .. c0+7 as bits 0..7 (c0 % 8 == 0: one mask word holds them;
// 0 past the last column).
__device__ __forceinline__ uint32_t flags8(const uint32_t* __restrict__ mask, int64_t c0) {
  return (mask[c0 >> 5] >> (c0 & 31)) & 0xffu;
}

// Quantizes the 8 values of columns c .. c+7 of a row (flag bits f: outlier columns, zeroed;
// all zero when the row is non-finite) and stores them into qr.
template <bool kVec>
__device__ __forceinline__ void store_quantized8(int8_t* __restrict__ qr, int64_t c, int64_t cols,
                                                 const float (&v)[8], uint32_t f,
                                                 const Int8Quantizer& quantize) {
  const uint2 o = quantize.pack8(v, quantize.finite() ? f : 0xffu);
  if (kVec && c + 8 <= cols) {
    *reinterpret_cast<uint2*>(qr + c) = o;
  } else {
    for (int j = 0; j < 8 && c + j < cols; ++j)
      qr[c + j] = static_cast<int8_t>((j < 4 ? o.x : o.y) >> (8 * (j & 3)));
  }
}

// One row of wo by a warp: q[n, idx[i]] for i < count, zeros up to `padded`; int8, or (wide: the
// sm90 int8 GEMM's outlier blocks) as exact integers of x's dtype.
template <oct_dtype_t D, class Index>
__device__ __forceinline__ void gather_wo_row(const int8_t* qr, const Index* s_idx, int count,
                                              int padded, void* wo, bool wide, int64_t at,
                                              int lane) {
  if (wide) {
    Elem<D>* wr = static_cast<Elem<D>*>(wo) + at;
#pragma unroll 4
    for (int i = lane; i < padded; i += 32)
      wr[i] = Element<D>::store(i < count ? float(qr[s_idx[i]]) : 0.0f);
  } else {
    int8_t* wr = static_cast<int8_t*>(wo) + at;
#pragma unroll 4
    for (int i = lane; i < padded; i += 32) wr[i] = i < count ? qr[s_idx[i]] : int8_t(0);
  }
}

// ---- 1 + 2 in two row passes, speculatively (any M and K)
//
// spec_quant_kernel, one row per block held in registers (the per-token quantization's launch
// shapes), quantizes row m over its values with |x| <= threshold (a larger one, NaN included,
// marks an outlier column by definition: flagged, zeroed) and ORs the flags into two words per
// 32 columns (outlier candidates, NaN). Its scale is the one the exact pass would give unless the
// row's maximum over those values lies in a column that turns out to be an outlier (or a NaN
// column exists); spec_fix_kernel, after it, finds those rows and redoes them exactly.
constexpr int kSpecFixThreads = 256;   // spec_fix_kernel: a warp per row of x (or of q)
constexpr int kSpecLoopThreads = 256;  // spec_quant_loop_kernel

// Per halfword of s, 0xffff where its bit 15 is set, else 0 (prmt's sign replication).
__device__ __forceinline__ uint32_t halfword_masks(uint32_t s) {
  uint32_t r;
  asm("prmt.b32 %0, %1, 0, 0xbb99;" : "=r"(r) : "r"(s));
  return r;
}

// ORs the outlier-candidate bits `big` and NaN bits `nan` of the 8 columns from c (c % 8 == 0;
// big 0 past the end) into the flag words (flags[words + w]: NaN), from every lane of a warp whose
// lanes hold consecutive chunks (past 4 such lanes, the 4 of a word combined). Rare: a warp with
// no candidate returns at once. Reductions (no value returned): the thread does not wait for L2. (Measured
// slower on an H100: reading the word first and skipping the atomic where the bits were set,
// which stalled every warp with a candidate for an L2 round trip, and that read issued with the
// row's loads instead, e.g. 4096^2 M = 2048, 8 outliers 87.8 -> 92.4 us, K / 2 115.6 -> 123.5.)
__device__ __forceinline__ void set_flags(uint32_t* __restrict__ flags, int64_t words, int64_t c,
                                          uint32_t big, uint32_t nan) {
  const uint32_t lanes = __ballot_sync(0xffffffffu, big != 0);
  if (lanes == 0) return;
  if (__popc(lanes) <= 4) {  // few (the common case with outliers): no combining
    if (big != 0) {
      const uint32_t shift = static_cast<uint32_t>(c & 31);
      atomicOr(flags + (c >> 5), big << shift);
      if (nan != 0) atomicOr(flags + words + (c >> 5), nan << shift);
    }
    return;
  }
  const uint32_t shift = static_cast<uint32_t>(c & 31);
  uint32_t b = big << shift, n = nan << shift;
  b |= __shfl_xor_sync(0xffffffffu, b, 1), n |= __shfl_xor_sync(0xffffffffu, n, 1);
  b |= __shfl_xor_sync(0xffffffffu, b, 2), n |= __shfl_xor_sync(0xffffffffu, n, 2);
  if ((threadIdx.x & 3) == 0 && b != 0) {
    const int64_t word = c >> 5;
    atomicOr(flags + word, b);
    if (n != 0) atomicOr(flags + words + word, n);
  }
}

template <oct_dtype_t D, int kThreads, int kIters>
__global__ void __launch_bounds__(kThreads, 1280 / kThreads)  // (10 blocks of 128: 48 registers)
spec_quant_kernel(const Elem<D>* __restrict__ x, int64_t cols, float threshold,
                  uint32_t* __restrict__ flags, int64_t words, int64_t promote_above,
                  int8_t* __restrict__ xq, float* __restrict__ scales) {
  using B = Bits16<D>;
  allow_dependent_launch();  // spec_fix_kernel's launch overlaps us; it waits for our completion
  constexpr int64_t kStride = int64_t(kThreads) * 8;
  constexpr uint32_t kAbs2 = 0x7fff7fffu;
  const int64_t c0 = int64_t(threadIdx.x) * 8, row = blockIdx.x;
  const Elem<D>* xr = x + row * cols;
  uint4 raw[kIters];
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int64_t c = c0 + it * kStride;  // zero (+0.0) past the end
    raw[it] = c < cols ? *reinterpret_cast<const uint4*>(xr + c) : make_uint4(0, 0, 0, 0);
  }
  // Per halfword |x| bits a (<= 0x7fff) > t exactly when a + (0x7fff - t) sets bit 15 (no carry
  // out of the halfword): one add compares both halves of a word (t: the threshold's bits, or
  // Inf's for NaN).
  const uint32_t add_thr = (0x7fffu - B::below(threshold)) * 0x00010001u;
  constexpr uint32_t kAddInf = (0x7fffu - B::kInf) * 0x00010001u, kTop2 = 0x80008000u;
  // Per chunk the common case first: no value above the threshold (NaN included: its bits are
  // above Inf's), the chunk's maximum taken as the per-token quantization takes it, nothing
  // flagged. A chunk with one (rare: at 8 outlier columns of 4096 about 2 per warp and row) takes
  // the maximum of its other values and builds its flag bits, the NaN bits only where its maximum
  // is above Inf's. (Against the flag bits built for every chunk: H100, 4096^2 M = 2048, 16.4 ->
  // 14.5 us with no outlier, ncu at base clocks; docs/perf-notes-llm-int8.md, twentieth session.)
  // m: per halfword the max |x| bits <= thr; big, nan: the chunks' values above it, NaN
  uint32_t m = 0, nbig = 0, big[kIters], nan[kIters];
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    uint32_t cm = max_abs_bits8(0u, raw[it]);
    big[it] = 0, nan[it] = 0;
    if (((cm + add_thr) & kTop2) != 0) {
      const uint32_t w0 = raw[it].x & kAbs2, w1 = raw[it].y & kAbs2, w2 = raw[it].z & kAbs2,
                     w3 = raw[it].w & kAbs2;
      // per halfword 0xffff above the threshold (NaN included)
      const uint32_t g0 = halfword_masks(w0 + add_thr), g1 = halfword_masks(w1 + add_thr),
                     g2 = halfword_masks(w2 + add_thr), g3 = halfword_masks(w3 + add_thr);
      // value 2h is word h's low half, 2h + 1 its high half: one bit each, in order
      const uint32_t t = (g0 & 0x00010001u) | (g1 & 0x00040004u) | (g2 & 0x00100010u) | (g3 & 0x00400040u);
      big[it] = (t & 0x55u) | ((t >> 15) & 0xaau);
      if (((cm + kAddInf) & kTop2) != 0) {  // a NaN (rarer still)
        const uint32_t n = (halfword_masks(w0 + kAddInf) & 0x00010001u) | (halfword_masks(w1 + kAddInf) & 0x00040004u) |
                           (halfword_masks(w2 + kAddInf) & 0x00100010u) | (halfword_masks(w3 + kAddInf) & 0x00400040u);
        nan[it] = (n & 0x55u) | ((n >> 15) & 0xaau);
      }
      cm = __vmaxu2(__vmaxu2(w0 & ~g0, w1 & ~g1), __vmaxu2(w2 & ~g2, w3 & ~g3));
      nbig += __popc(big[it] & ~nan[it]);  // (a NaN column is no outlier)
    }
    m = __vmaxu2(m, cm);
  }
  uint32_t any = 0;
#pragma unroll
  for (int it = 0; it < kIters; ++it) any |= big[it];
  if (__any_sync(0xffffffffu, any != 0)) {
#pragma unroll
    for (int it = 0; it < kIters; ++it) set_flags(flags, words, c0 + it * kStride, big[it], nan[it]);
  }
  float row_max;  // never Inf or NaN: those are above the (finite) threshold
  unsigned row_big;
  block_max_sum(B::absmax(max(m & 0xffffu, m >> 16)), nbig, &row_max, &row_big);
  // More outlier candidates in the row than a layer keeps: the layer is promoted (xq and the
  // scales go unread), or a NaN column exists (spec_fix_kernel then redoes every row).
  if (row_big > promote_above) return;
  const Int8Quantizer quantize = quantizer_for(row_max, threadIdx.x == 0, scales + row);
  int8_t* qr = xq + row * cols;
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int64_t c = c0 + it * kStride;
    if (c >= cols) continue;
    const Elem<D>* e = reinterpret_cast<const Elem<D>*>(&raw[it]);
    float v[8];
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = Element<D>::load(e[j]);
    *reinterpret_cast<uint2*>(qr + c) = quantize.pack8(v, big[it]);
  }
}

// spec_quant_kernel for any row: the row read twice (the second read mostly from L1), 16-byte
// loads where kVec (K % 8 == 0, aligned x), else one value at a time.
template <oct_dtype_t D, bool kVec>
__global__ void __launch_bounds__(kSpecLoopThreads)
spec_quant_loop_kernel(const Elem<D>* __restrict__ x, int64_t cols, float threshold,
                       uint32_t* __restrict__ flags, int64_t words, int64_t promote_above,
                       int8_t* __restrict__ xq, float* __restrict__ scales) {
  allow_dependent_launch();  // spec_fix_kernel's launch overlaps us; it waits for our completion
  constexpr int64_t kStride = int64_t(kSpecLoopThreads) * 8;
  const int64_t c0 = int64_t(threadIdx.x) * 8, row = blockIdx.x;
  const Elem<D>* xr = x + row * cols;
  auto above = [&](const float (&v)[8]) {  // bits of the values above the threshold (NaN too)
    uint32_t big = 0;
#pragma unroll
    for (int j = 0; j < 8; ++j) big |= uint32_t(!(fabsf(v[j]) <= threshold)) << j;
    return big;
  };
  float m = 0.0f;
  unsigned nbig = 0;
  for (int64_t base = 0; base < cols; base += kStride) {  // warp-uniform trip count (set_flags)
    float v[8];
    load8<D, kVec>(xr, base + c0, cols, v);  // zeros past the end
    const uint32_t big = above(v);
    uint32_t nan = 0;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      nan |= uint32_t(isnan(v[j])) << j;
      if (!((big >> j) & 1u)) m = fmaxf(m, fabsf(v[j]));
    }
    nbig += __popc(big & ~nan);
    set_flags(flags, words, base + c0, big, nan);
  }
  float row_max;
  unsigned row_big;
  block_max_sum(m, nbig, &row_max, &row_big);
  if (row_big > promote_above) return;  // as in spec_quant_kernel
  const Int8Quantizer quantize = quantizer_for(row_max, threadIdx.x == 0, scales + row);
  int8_t* qr = xq + row * cols;
  for (int64_t c = c0; c < cols; c += kStride) {
    float v[8];
    load8<D, kVec>(xr, c, cols, v);
    store_quantized8<kVec>(qr, c, cols, v, above(v), quantize);
  }
}

// After spec_quant_kernel (PDL: waits for it): every block compacts the outlier columns (flagged,
// no NaN) into shared memory (block 0 also into idx and the count); then one warp per row of x
// writes the row's outlier values into xo (zero-padded to the K step), and either zeroes them in
// xq or, where the speculation may be wrong, redoes the row exactly: when a NaN column exists
// (its rows' scale is NaN), or when an outlier column holds a value <= threshold that quantized
// to +-127 on the row's scale (the row's maximum may lie there: then the exact maximum is
// smaller; conservative, a redo gives the same bytes where it was not needed). The blocks after
// the rows gather q[n, idx] into wo, a warp per row of q (int8, or x's dtype where `wo_wide`).
// Dynamic shared memory: the outlier mask [words] and list [promote_above(cols)], int32 each.
template <oct_dtype_t D, bool kVec>
__global__ void __launch_bounds__(kSpecFixThreads)
spec_fix_kernel(const Elem<D>* __restrict__ x, int64_t rows, int64_t cols, float threshold,
                const uint32_t* __restrict__ flags, int32_t* __restrict__ state,
                int32_t* __restrict__ idx, int8_t* __restrict__ xq, float* __restrict__ scales,
                Elem<D>* __restrict__ xo, const int8_t* __restrict__ q, int64_t n_rows,
                void* __restrict__ wo, bool wo_wide, int64_t k_pad,
                int32_t* __restrict__ outlier_count) {
  extern __shared__ uint32_t s_dyn[];
  wait_for_prerequisites();  // the flags, xq and scales of spec_quant_kernel
  allow_dependent_launch();  // the int8 GEMM (sm90; or the decode kernel) waits for our completion
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t words = (cols + 31) / 32, cap = llm_int8_promote_above(cols);
  // The row's speculative scale (row blocks), loaded before the compaction: its L2 trip under
  // the flags'
  const int64_t row_at = int64_t(blockIdx.x) * (kSpecFixThreads / 32) + warp;
  const float scale = row_at < rows ? __ldcg(scales + row_at) : 0.0f;
  uint32_t* s_mask = s_dyn;
  auto* s_idx = reinterpret_cast<int32_t*>(s_dyn + words);
  // The first pass's flag words stay in registers (K <= 8192: the only pass; one L2 trip).
  uint32_t f0 = 0, n0 = 0;
  if (tid < words) f0 = __ldcg(flags + tid), n0 = __ldcg(flags + words + tid);
  uint32_t cand = f0;
  for (int64_t w = tid + kSpecFixThreads; w < words; w += kSpecFixThreads) cand |= __ldcg(flags + w);
  // No flag (a NaN is flagged as a candidate too): no outlier column, xq and the scales stand.
  if (!__syncthreads_or(cand != 0)) {
    if (blockIdx.x == 0 && tid == 0) {
      state[1] = 0;
      if (outlier_count) *outlier_count = 0;
    }
    return;
  }
  uint32_t nan_seen = 0;  // bit 0: a NaN column exists
  const int count = compact_words<kSpecFixThreads>(
      words, tid,
      [&](int64_t w, uint32_t& bits) {
        const bool first = w < kSpecFixThreads;
        const uint32_t f = first ? f0 : __ldcg(flags + w), n = first ? n0 : __ldcg(flags + words + w);
        bits = n != 0 ? 1u : 0u;
        s_mask[w] = f & ~n;
        return f & ~n;
      },
      [&](int i, int32_t col) {
        if (i < cap) s_idx[i] = col;
      },
      &nan_seen);
  const bool any_nan = nan_seen != 0;
  __syncthreads();
  if (blockIdx.x == 0) {
    for (int i = tid; i < count && i < cap; i += kSpecFixThreads) idx[i] = s_idx[i];
    if (tid == 0) {
      state[1] = count;
      if (outlier_count) *outlier_count = count;
    }
  }
  if (count > cap) return;  // promoted: the W8A16 pass computes the layer from x and q
  const int padded = (count + kKStep - 1) / kKStep * kKStep;
  constexpr int kWarps = kSpecFixThreads / 32;
  const int64_t row_blocks = (rows + kWarps - 1) / kWarps;
  if (blockIdx.x >= row_blocks) {  // q[n, idx] into wo: a warp per row of q
    const int64_t n = (int64_t(blockIdx.x) - row_blocks) * kWarps + warp;
    if (n >= n_rows || padded == 0) return;
    gather_wo_row<D>(q + n * cols, s_idx, count, padded, wo, wo_wide, n * k_pad, lane);
    return;
  }
  const int64_t row = row_at;
  if (row >= rows) return;
  const Elem<D>* xr = x + row * cols;
  int8_t* qr = xq + row * cols;
  bool redo = any_nan;
#pragma unroll 4
  for (int i = lane; i < padded; i += 32) {
    const Elem<D> v = i < count ? xr[s_idx[i]] : Element<D>::store(0.0f);
    xo[row * k_pad + i] = v;
    const float a = fabsf(Element<D>::load(v));
    // xq is 0 already where |x| > threshold (and where x is 0); a redo writes these zeros too
    if (a <= threshold && a != 0.0f) qr[s_idx[i]] = 0;
    redo |= a <= threshold && a >= 126.5f * scale;
  }
  if (!__any_sync(0xffffffffu, redo)) return;
  // The row exactly, over its non-outlier columns (a NaN or Inf there: scale NaN, xq = 0).
  AbsMax acc;
  for (int64_t c = int64_t(lane) * 8; c < cols; c += 256) {
    float v[8];
    load8<D, kVec>(xr, c, cols, v);
    const uint32_t f = flags8(s_mask, c);
#pragma unroll
    for (int j = 0; j < 8; ++j)
      if (!((f >> j) & 1u)) acc.add(v[j]);
  }
  const Int8Quantizer quantize = quantizer_for(warp_max(acc.result()), lane == 0, scales + row);
  for (int64_t c = int64_t(lane) * 8; c < cols; c += 256) {
    float v[8];
    load8<D, kVec>(xr, c, cols, v);
    store_quantized8<kVec>(qr, c, cols, v, flags8(s_mask, c), quantize);
  }
}

// ---- 1 + 2 at decode sizes (M <= kSmallMaxRows, the int8 GEMM being the decode kernel that
// computes the outlier part itself): one kernel of M blocks, no memset, no inter-block step. Every
// block copies all of x into its shared memory (M * K * 2 bytes from L2: 128 KB at M = 16, K =
// 4096; cp.async, every copy in flight at once: loads into registers would leave it to ptxas how
// many are) and takes the column maxima itself; each thread then writes its own outliers' values
// of row m into xo (and, in block 0, their columns into idx) at the places a block scan gives
// them, and block m quantizes row m. The decode kernel after it (launched with PDL) may launch at
// once: it waits for this grid's completion before it reads anything. (Tried and not kept: one
// cluster whose blocks each take the maxima of a slice of the columns and exchange the outlier
// flags or the rows' maxima through distributed shared memory, so that x is read once:
// docs/perf-notes-llm-int8.md. A fifth-session version also computed c here, in extra blocks, for
// the CUTLASS GEMM at M = 2..16.)

constexpr int kSmallThreads = 512;
constexpr int kSmallMaxIters = 4;
constexpr int64_t kSmallPrepMaxK = int64_t(kSmallMaxIters) * kSmallThreads * 8;  // 16384
constexpr int kSmallMaxRows = 16;
// Its M blocks each read all of x: past kSmallPrepMaxElems values (M * K) the fused kernel's one
// read spread over every SM is faster (H100, outlier-free forward less W8A8's, us: small prep
// (4096, 11008) M = 8 / 12 / 16: 8.2 / 10.8 / 12.9; the fused prep about 9). x must also fit in
// the block's shared memory (M * K * 2 bytes).
constexpr int64_t kSmallPrepMaxElems = 24 * 4096;

template <oct_dtype_t D, int kIters>
__global__ void __launch_bounds__(kSmallThreads)
small_prep_kernel(const Elem<D>* __restrict__ x, int64_t rows, int64_t cols, float threshold,
                  int32_t* __restrict__ state, int32_t* __restrict__ idx,
                  int8_t* __restrict__ xq, float* __restrict__ scales, Elem<D>* __restrict__ xo,
                  int64_t k_pad, int32_t* __restrict__ outlier_count) {
  allow_dependent_launch();
  extern __shared__ uint4 s_x[];  // [rows][cols / 8]
  constexpr int64_t kStride = int64_t(kSmallThreads) * 8;
  const int64_t row = blockIdx.x, row_chunks = cols / 8;
  const int64_t c0 = int64_t(threadIdx.x) * 8;
  // A thread copies, and later reads, only its own 16-byte pieces: no barrier.
  for (int64_t r = 0; r < rows; ++r)
#pragma unroll
    for (int it = 0; it < kIters; ++it) {
      const int64_t c = c0 + it * kStride;
      if (c < cols) cp_async16(&s_x[r * row_chunks + c / 8], x + r * cols + c);
    }
  cp_async_wait_all();
  uint4 own[kIters];  // the block's own row, raw (zero past the end)
  // the column maxima of |x| as 16-bit bits, two columns per word (NaN bits above Inf's above
  // every finite value's: a column with a NaN ends up NaN, as in the other preparations)
  uint4 mx[kIters];
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int64_t c = c0 + it * kStride;
    own[it] = mx[it] = make_uint4(0, 0, 0, 0);
    if (c >= cols) continue;
    own[it] = s_x[row * row_chunks + c / 8];
#pragma unroll 4
    for (int64_t r = 0; r < rows; ++r)
      mx[it] = max_abs_bits2x4(mx[it], s_x[r * row_chunks + c / 8]);  // two columns per instruction
  }
  // outlier flags (colmax > threshold: a NaN column is not one, an Inf column is)
  uint32_t flags[kIters];  // bit j: column c0 + it * kStride + j
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    flags[it] = 0;
    const uint32_t w[4] = {mx[it].x, mx[it].y, mx[it].z, mx[it].w};
#pragma unroll
    for (int j = 0; j < 8; ++j)
      if (c0 + it * kStride + j < cols && Bits16<D>::value((w[j / 2] >> (16 * (j % 2))) & 0xffffu) > threshold)
        flags[it] |= 1u << j;
  }
  // Compaction, ascending (chunk it, then thread, then j): the thread's outliers of row m go to
  // xo (and their columns to idx) at their places in the list.
  Elem<D>* xo_row = xo + row * k_pad;
  int count = 0;
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    int total = 0;
    int at = count + block_exclusive_scan<kSmallThreads>(__popc(flags[it]), threadIdx.x, it, &total);
    const Elem<D>* e = reinterpret_cast<const Elem<D>*>(&own[it]);
#pragma unroll
    for (int j = 0; j < 8; ++j)
      if ((flags[it] >> j) & 1u) {
        xo_row[at] = e[j];
        if (row == 0) idx[at] = static_cast<int32_t>(c0 + it * kStride + j);
        ++at;
      }
    count += total;
  }
  // xo zero-padded to the K step (the decode kernel reads whole steps)
  const int padded = (count + kKStep - 1) / kKStep * kKStep;
  for (int i = count + threadIdx.x; i < padded; i += kSmallThreads) xo_row[i] = Element<D>::store(0.0f);
  if (row == 0 && threadIdx.x == 0) {
    state[1] = count;
    if (outlier_count) *outlier_count = count;
  }
  // the row's absmax over the regular columns and its quantization
  float v[kIters][8];
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const Elem<D>* e = reinterpret_cast<const Elem<D>*>(&own[it]);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[it][j] = Element<D>::load(e[j]);
  }
  AbsMax acc;
#pragma unroll
  for (int it = 0; it < kIters; ++it)
#pragma unroll
    for (int j = 0; j < 8; ++j)
      if (!((flags[it] >> j) & 1u)) acc.add(v[it][j]);  // 0 past the end
  const Int8Quantizer quantize = row_quantizer(acc, scales + row);
  int8_t* qr = xq + row * cols;
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int64_t c = c0 + it * kStride;
    if (c < cols) store_quantized8<true>(qr, c, cols, v[it], flags[it], quantize);
  }
}

// ---- 1 + 2 in one cooperative kernel while the rows fit on chip (M <= ~27 x SMs at
// K = 4096): x is read from memory once. Each block owns ceil(M / grid) consecutive rows and
// copies them into shared memory (cp.async, all in flight at once). Phase 1: the rows' column
// flags, two words per 32 columns ORed into the workspace: "some |x| > threshold" and "some
// NaN" (colmax > threshold holds exactly when the first is set and the second is not). A grid
// barrier. Phase 2: every block reads the flags and compacts the outlier list itself (the same
// list everywhere); the outlier values of its rows into xo, then zeroed in shared memory; the
// rows' maxima, scales and quantization; its share of q's rows into wo; block 0 writes idx and
// the count. The launch is cooperative (every block resident at once); the block's threads
// tile its rows (RowTiling) so that every phase keeps all warps busy whatever the number of rows.

constexpr int kFusedThreads = 1024;
constexpr int64_t kFusedMaxK = 65535;  // the list is uint16

__device__ __forceinline__ unsigned ld_acquire_gpu(const unsigned* p) {
  unsigned v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}

// Barrier over the grid of a cooperative launch; *counter is zero before the launch and each
// call adds gridDim.x (pass target = gridDim.x times the call's ordinal). The fences order each
// block's writes before its arrival and the other blocks' writes before its next reads.
__device__ __forceinline__ void grid_barrier(unsigned* counter, unsigned target) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence();
    atomicAdd(counter, 1u);
    while (ld_acquire_gpu(counter) < target) {
    }
    __threadfence();
  }
  __syncthreads();
}

// Dynamic shared memory of fused_prep_kernel: the rows, 2 flag words per 32 columns, a row
// maximum and a scale per row, the outlier list.
inline int64_t fused_prep_smem(int64_t rows_per_block, int64_t cols) {
  return rows_per_block * cols * 2 + (cols + 31) / 32 * 8 + rows_per_block * 8 + cols * 2;
}

// A block's threads over its rows of `chunks` 8-column chunks: `span` threads per row (all of
// the row's chunks when it has fewer than the block has threads), `at_once` rows side by side.
// Thread tid takes chunks c0, c0 + span, ... of rows r0, r0 + at_once, ... (none if r0 >=
// at_once). When span % 32 == 0 a warp's lanes always share the row.
struct RowTiling {
  int span, at_once, c0, r0;
  __device__ explicit RowTiling(int chunks, int tid) {
    span = min(chunks, kFusedThreads);
    at_once = kFusedThreads / span;
    c0 = tid % span;
    r0 = tid / span;
  }
  __device__ __forceinline__ bool idle() const { return r0 >= at_once; }
};

template <oct_dtype_t D>
__global__ void __launch_bounds__(kFusedThreads, 1)
fused_prep_kernel(const Elem<D>* __restrict__ x, int64_t rows, int64_t cols, int rows_per_block,
                  float threshold, int32_t* __restrict__ state, uint32_t* __restrict__ flags,
                  int32_t* __restrict__ idx, int8_t* __restrict__ xq, float* __restrict__ scales,
                  Elem<D>* __restrict__ xo, const int8_t* __restrict__ q, int64_t n_rows,
                  void* __restrict__ wo, bool wo_wide, int64_t k_pad, bool gather_wo,
                  int32_t* __restrict__ outlier_count) {
  using T = Elem<D>;
  using B = Bits16<D>;
  allow_dependent_launch();  // the int8 GEMM (sm90) may launch under us; it waits for our completion
  extern __shared__ __align__(16) unsigned char smem[];
  const int chunks = static_cast<int>(cols / 8);  // cols % 8 == 0, cols <= kFusedMaxK
  const int words = static_cast<int>((cols + 31) / 32);
  const int rpb = rows_per_block;
  auto* s_x = reinterpret_cast<uint4*>(smem);                                            // [rpb][chunks]
  auto* s_w = reinterpret_cast<uint32_t*>(smem + int64_t(rpb) * cols * 2);  // [2][words]
  auto* s_rowmax = s_w + 2 * words;                                           // [rpb]
  auto* s_scale = reinterpret_cast<float*>(s_rowmax + rpb);                   // [rpb]
  auto* s_idx = reinterpret_cast<uint16_t*>(s_scale + rpb);                   // [cols]
  T* s_xe = reinterpret_cast<T*>(s_x);
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t r0 = int64_t(blockIdx.x) * rpb;
  const int nr = static_cast<int>(max(int64_t(0), min(int64_t(rpb), rows - r0)));
  const RowTiling tiling(chunks, tid);
  const bool warp_rows = tiling.span % 32 == 0;
  constexpr uint32_t kAbs2 = 0x7fff7fffu;

  // Phase 1: the rows (contiguous in x) into shared memory; per column the max |x| over them
  // as ordered 16-bit bits, two halves at a time, then its flags.
  {
    const auto* src = reinterpret_cast<const uint4*>(x + r0 * cols);
    for (int i = tid; i < nr * chunks; i += kFusedThreads) cp_async16(s_x + i, src + i);
  }
  for (int w = tid; w < 2 * words; w += kFusedThreads) s_w[w] = 0;
  for (int r = tid; r < nr; r += kFusedThreads) s_rowmax[r] = 0;
  cp_async_wait_all();
  __syncthreads();
  const uint32_t thr_bits = B::below(threshold);
  if (!tiling.idle()) {
    for (int ch = tiling.c0; ch < chunks; ch += tiling.span) {
      uint32_t m[4] = {0, 0, 0, 0};
#pragma unroll 4
      for (int r = tiling.r0; r < nr; r += tiling.at_once) {
        const uint4 raw = s_x[r * chunks + ch];
        m[0] = __vmaxu2(m[0], raw.x & kAbs2);
        m[1] = __vmaxu2(m[1], raw.y & kAbs2);
        m[2] = __vmaxu2(m[2], raw.z & kAbs2);
        m[3] = __vmaxu2(m[3], raw.w & kAbs2);
      }
      uint32_t big = 0, nan = 0;  // big includes NaN: the NaN flag takes those columns out
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        const uint32_t b = (m[j / 2] >> (16 * (j % 2))) & 0xffffu;
        big |= uint32_t(b > thr_bits) << j;
        nan |= uint32_t(b > B::kInf) << j;
      }
      const int shift = (ch & 3) * 8;
      if (big) atomicOr(&s_w[ch >> 2], big << shift);
      if (nan) atomicOr(&s_w[words + (ch >> 2)], nan << shift);
    }
  }
  __syncthreads();
  for (int w = tid; w < 2 * words; w += kFusedThreads)
    if (s_w[w] != 0) atomicOr(&flags[w], s_w[w]);
  grid_barrier(reinterpret_cast<unsigned*>(state), gridDim.x);

  // Phase 2: the outlier list (the same in every block); the rows' outlier values into xo, then
  // zeroed in shared memory, so that the rows' maxima and quantization need no mask.
  const int count = compact_words<kFusedThreads>(
      words, tid, [&](int64_t w, uint32_t&) { return __ldcg(flags + w) & ~__ldcg(flags + words + w); },
      [&](int i, int32_t col) { s_idx[i] = static_cast<uint16_t>(col); });
  __syncthreads();
  const int padded = (count + kKStep - 1) / kKStep * kKStep;
  if (blockIdx.x == 0) {
    for (int i = tid; i < count; i += kFusedThreads) idx[i] = s_idx[i];
    if (tid == 0) {
      state[1] = count;
      if (outlier_count) *outlier_count = count;
    }
  }
  // Promoted: the W8A16 pass computes the layer from x and q; nothing below is read.
  if (count > llm_int8_promote_above(cols)) return;
  for (int e = tid; e < nr * padded; e += kFusedThreads) {
    const int r = e / padded, i = e - r * padded;
    const T v = i < count ? s_xe[r * cols + s_idx[i]] : Element<D>::store(0.0f);
    xo[(r0 + r) * k_pad + i] = v;
  }
  __syncthreads();
  for (int e = tid; e < nr * count; e += kFusedThreads) {
    const int r = e / count;
    s_xe[r * cols + s_idx[e - r * count]] = Element<D>::store(0.0f);
  }
  __syncthreads();
  if (!tiling.idle()) {  // row maxima as ordered bits (a NaN or Inf: >= Inf's)
#pragma unroll 2
    for (int r = tiling.r0; r < nr; r += tiling.at_once) {
      uint32_t m = 0;
#pragma unroll 4
      for (int ch = tiling.c0; ch < chunks; ch += tiling.span) {
        const uint4 raw = s_x[r * chunks + ch];
        m = max_abs_bits8(m, raw);
      }
      m = max(m & 0xffffu, m >> 16);
      if (warp_rows) m = __reduce_max_sync(0xffffffffu, m);
      if ((!warp_rows || lane == 0) && m != 0) atomicMax(&s_rowmax[r], m);
    }
  }
  __syncthreads();
  for (int r = tid; r < nr; r += kFusedThreads) {
    const uint32_t b = s_rowmax[r];
    s_scale[r] = quantizer_for(B::absmax(b), true, scales + r0 + r).scale;
  }
  __syncthreads();
  if (!tiling.idle()) {
#pragma unroll 2
    for (int r = tiling.r0; r < nr; r += tiling.at_once) {
      const Int8Quantizer quantize(s_scale[r], B::absmax(s_rowmax[r]));  // bounded: pack8 fast
      int8_t* qr = xq + (r0 + r) * cols;
#pragma unroll 4
      for (int ch = tiling.c0; ch < chunks; ch += tiling.span) {
        const uint4 raw = s_x[r * chunks + ch];
        const T* e = reinterpret_cast<const T*>(&raw);
        float v[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) v[j] = Element<D>::load(e[j]);
        store_quantized8<true>(qr, int64_t(ch) * 8, cols, v, 0u, quantize);  // outliers are 0
      }
    }
  }
  if (gather_wo && padded > 0) {  // q[n, idx] into wo: the block's share of the rows, a warp each
    const int64_t per = (n_rows + gridDim.x - 1) / gridDim.x;
    const int64_t n0 = int64_t(blockIdx.x) * per, n1 = min(n_rows, n0 + per);
    for (int64_t n = n0 + warp; n < n1; n += kFusedThreads / 32)
      gather_wo_row<D>(q + n * cols, s_idx, count, padded, wo, wo_wide, n * k_pad, lane);
  }
}

// ---- 3. the outlier GEMM on tensor cores (sm80, portable int8 GEMMs)

constexpr int kOgThreads = 128;  // 4 warps side by side along N, each 32 columns x BM rows
constexpr int kOgBN = 128;
constexpr int kApad = kKStep + 8;   // halves per smem row of A (80 bytes: conflict-free reads)
constexpr int kBpad = kKStep + 16;  // bytes per smem row of B (48 bytes: conflict-free reads)

// c[m, n] = round((sum_i xo[m,i] * wo[n,i]) * w_scale[n]) for a BM x 128 tile; the K loop runs
// ceil(count / 32) steps, with the next step's global loads in registers during the MMAs.
template <oct_dtype_t D, int BM>
__global__ void __launch_bounds__(kOgThreads)
outlier_gemm_kernel(const Elem<D>* __restrict__ xo, const int8_t* __restrict__ wo,
                    const float* __restrict__ w_scale, const int32_t* __restrict__ state,
                    int64_t rows, int64_t n_rows, int64_t k_pad, int64_t promote_above,
                    Elem<D>* __restrict__ c) {
  constexpr int kMT = BM / 16;                              // m16 tiles per warp
  constexpr int kAChunks = BM * (kKStep * 2 / 16);          // 16-byte chunks of an A tile
  constexpr int kBChunks = kOgBN * (kKStep / 16);           // of a B tile
  constexpr int kAPer = (kAChunks + kOgThreads - 1) / kOgThreads;
  constexpr int kBPer = kBChunks / kOgThreads;
  __shared__ __align__(16) Elem<D> As[BM][kApad];
  __shared__ __align__(16) int8_t Bs[kOgBN][kBpad];
  __shared__ __align__(16) Elem<D> Cs[BM][kOgBN + 8];  // the finished tile, for 16-byte stores

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int64_t m0 = int64_t(blockIdx.y) * BM, n0 = int64_t(blockIdx.x) * kOgBN;
  const int count = state[1];
  if (count > promote_above) return;  // promoted: the W8A16 pass writes out
  const int steps = (count + kKStep - 1) / kKStep;

  float acc[kMT][4][4];
#pragma unroll
  for (int i = 0; i < kMT; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.0f;

  uint4 ra[kAPer], rb[kBPer];
  auto load = [&](int step) {
    const int64_t k0 = int64_t(step) * kKStep;
#pragma unroll
    for (int i = 0; i < kAPer; ++i) {
      const int chunk = tid + i * kOgThreads;
      const int r = chunk / 4, cc = chunk % 4;  // 4 chunks of 8 halves per row
      const int64_t m = m0 + r;
      ra[i] = (chunk < kAChunks && m < rows)
                  ? *reinterpret_cast<const uint4*>(xo + m * k_pad + k0 + cc * 8)
                  : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int i = 0; i < kBPer; ++i) {
      const int chunk = tid + i * kOgThreads;
      const int r = chunk / 2, cc = chunk % 2;  // 2 chunks of 16 bytes per row
      const int64_t n = n0 + r;
      rb[i] = n < n_rows ? *reinterpret_cast<const uint4*>(wo + n * k_pad + k0 + cc * 16)
                         : make_uint4(0, 0, 0, 0);
    }
  };
  auto store = [&]() {
#pragma unroll
    for (int i = 0; i < kAPer; ++i) {
      const int chunk = tid + i * kOgThreads;
      if (chunk < kAChunks) *reinterpret_cast<uint4*>(&As[chunk / 4][(chunk % 4) * 8]) = ra[i];
    }
#pragma unroll
    for (int i = 0; i < kBPer; ++i) {
      const int chunk = tid + i * kOgThreads;
      *reinterpret_cast<uint4*>(&Bs[chunk / 2][(chunk % 2) * 16]) = rb[i];
    }
  };

  if (steps > 0) load(0);
  for (int step = 0; step < steps; ++step) {
    store();
    __syncthreads();
    if (step + 1 < steps) load(step + 1);  // in flight during the MMAs
#pragma unroll
    for (int kk = 0; kk < kKStep; kk += 16) {
      // B fragments: q's int8 pairs (k = kk + 2t, +1) and (kk + 2t + 8, +9) of column n, as
      // exact fp16/bf16 pairs (cuda/common/mma.cuh: full-rate instructions, not I2F).
      uint32_t b[4][2];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int8_t* br = &Bs[warp * 32 + j * 8 + g][kk + 2 * t];
        const uint32_t w = __byte_perm(*reinterpret_cast<const uint16_t*>(br),
                                       *reinterpret_cast<const uint16_t*>(br + 8), 0x5410);
        Int8x4<Elem<D>>::convert(w, b[j][0], b[j][1]);
      }
#pragma unroll
      for (int i = 0; i < kMT; ++i) {
        uint32_t a[4];
        a[0] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g][kk + 2 * t]);
        a[1] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g + 8][kk + 2 * t]);
        a[2] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g][kk + 2 * t + 8]);
        a[3] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g + 8][kk + 2 * t + 8]);
#pragma unroll
        for (int j = 0; j < 4; ++j) Mma<Elem<D>>::run(acc[i][j], a, b[j][0], b[j][1]);
      }
    }
    __syncthreads();  // before the next store overwrites the tiles
  }

  // Epilogue: times w_scale[n], rounded once to out's dtype, staged in shared memory so that
  // the tile leaves in whole 16-byte row segments. Accumulator (i, j): rows g, g + 8 of m tile
  // i, columns 2t, 2t + 1 of n tile j.
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const int cn = warp * 32 + j * 8 + 2 * t;
    const int64_t n = n0 + cn;
    const float s0 = n < n_rows ? w_scale[n] : 0.0f, s1 = n + 1 < n_rows ? w_scale[n + 1] : 0.0f;
#pragma unroll
    for (int i = 0; i < kMT; ++i)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int cm = i * 16 + g + 8 * h;
        Cs[cm][cn] = Element<D>::store(acc[i][j][2 * h] * s0);
        Cs[cm][cn + 1] = Element<D>::store(acc[i][j][2 * h + 1] * s1);
      }
  }
  __syncthreads();
  const bool vec = n0 + kOgBN <= n_rows && n_rows % 8 == 0;  // whole, aligned 16-byte segments
  for (int e = tid; e < BM * (kOgBN / 8); e += kOgThreads) {
    const int cm = e / (kOgBN / 8), cn = (e % (kOgBN / 8)) * 8;
    const int64_t m = m0 + cm;
    if (m >= rows) continue;
    Elem<D>* dst = c + m * n_rows + n0 + cn;
    if (vec) {
      *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(&Cs[cm][cn]);
    } else {
      for (int k = 0; k < 8 && n0 + cn + k < n_rows; ++k) dst[k] = Cs[cm][cn + k];
    }
  }
}

// The promoted layer where the W8A16 kernels cannot run (K % 16 != 0 or unaligned x or q): one
// output per thread, out = round(w_scale[n] * sum_j x[m,j] * q[n,j] (+ bias[n])), the sum in fp32
// in column order. Does nothing unless *count > promote_above. Rare shapes: correct, not fast.
template <oct_dtype_t D>
__global__ void __launch_bounds__(256)
promoted_plain_kernel(const Elem<D>* __restrict__ x, const int8_t* __restrict__ q,
                      const float* __restrict__ w_scale, const Elem<D>* __restrict__ bias,
                      Elem<D>* __restrict__ out, int64_t m, int64_t n, int64_t k,
                      const int32_t* __restrict__ count, int64_t promote_above) {
  if (*count <= promote_above) return;
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < m * n;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = e / n, c = e % n;
    const Elem<D>* xr = x + r * k;
    const int8_t* qr = q + c * k;
    float acc = 0.0f;
    for (int64_t j = 0; j < k; ++j) acc = fmaf(Element<D>::load(xr[j]), static_cast<float>(qr[j]), acc);
    float v = acc * w_scale[c];
    if (bias != nullptr) v += Element<D>::load(bias[c]);
    out[e] = Element<D>::store(v);
  }
}

// OCTET_LLM_INT8_PREP = fused | spec forces steps 1 + 2 through the fused kernel or the
// speculative pair wherever they can run, decode sizes included (tests and benchmarks); unset:
// by size.
enum class Prep { kAuto, kFused, kSpec };
Prep prep_override() {
  static const Prep v = [] {
    const char* e = std::getenv("OCTET_LLM_INT8_PREP");
    if (e != nullptr && std::strncmp(e, "fused", 5) == 0) return Prep::kFused;
    if (e != nullptr && std::strcmp(e, "spec") == 0) return Prep::kSpec;
    return Prep::kAuto;
  }();
  return v;
}

template <oct_dtype_t D>
void launch(const oct_context& context, const LlmInt8Problem& p, const LlmInt8Layout& l,
            cudaStream_t s) {
  using T = Elem<D>;
  uint8_t* ws = p.workspace;
  auto* state = reinterpret_cast<int32_t*>(ws + l.state);
  auto* flags = reinterpret_cast<uint32_t*>(ws + l.colmax);  // two words per 32 columns
  auto* idx = reinterpret_cast<int32_t*>(ws + l.idx);
  auto* scales = reinterpret_cast<float*>(ws + l.scale);
  auto* xq = reinterpret_cast<int8_t*>(ws + l.xq);
  auto* xo = reinterpret_cast<T*>(ws + l.xo);
  void* wo = ws + l.wo;
  auto* c = reinterpret_cast<T*>(ws + l.c);
  const auto* x = static_cast<const T*>(p.x);
  // 16-byte loads of x rows need K % 8 == 0 and an aligned base.
  const bool vec = p.k % 8 == 0 && is_aligned(p.x, 16);

  // Step 4's int8 GEMM, c its source term where the GEMM does not compute the outlier part.
  GemmS8Problem g = regular_part_gemm(p, xq, scales, c);
  g.c_count = state + 1;
  g.outlier_x = xo;
  g.outlier_idx = idx;
  g.outlier_ld = l.k_pad;
  const int8_gemm::SourceRoute route = int8_gemm::source_route(context, g);
  // The decode kernel computes the outlier part from xo and q itself: no wo, no outlier GEMM, no c.
  const bool computed = route == int8_gemm::SourceRoute::kComputed;
  // The sm90 int8 GEMM computes it in its main loop from xo and wo (wide: x's dtype): no c.
  const bool mainloop = route == int8_gemm::SourceRoute::kMainloop;
  if (mainloop) g.outlier_w = wo;
  // The outlier GEMM's grid (step 3 below), checked before anything is enqueued. (The other grids
  // fit: M and N are at most 2^31-1, the API's limit.)
  if (!mainloop && !computed && p.m > int64_t(65535) * 64)
    fail(OCT_STATUS_NOT_SUPPORTED, "oct_linear_llm_int8: M = %lld exceeds %d on this device", (long long)p.m,
         65535 * 64);

  // Promotion (more than K / 32 outlier columns; common/llm_int8.hpp): decided on the device.
  // Both layers are enqueued and the count read by each kernel picks the one that works: the
  // outlier GEMM and the sm90 int8 GEMM return at once when promoted, the W8A16 pass (after the
  // ungated int8 GEMMs, so that it overwrites what they wrote; before the gated sm90 one) only
  // runs when promoted. At decode sizes the decode kernel does both (its W8A16 branch): no
  // further launch. Where the W8A16 kernels cannot run (w8a16::accepts), a plain kernel.
  const int64_t promote_above = llm_int8_promote_above(p.k);
  const bool w8a16_ok = w8a16::accepts(p.x, p.q, p.k);
  g.promote_above = promote_above;
  g.promote_x = computed && !w8a16_ok ? nullptr : p.x;
  const bool promoted_in_gemm = computed && w8a16_ok;
  auto promoted_pass = [&] {
    if (promoted_in_gemm) return;
    if (w8a16_ok) {
      w8a16::Problem w = w8a16::per_channel(p.x, p.q, p.w_scale, p.bias, p.out, p.m, p.n, p.k);
      w.gate_count = state + 1;
      w.gate_above = promote_above;
      w8a16::run(w, D == OCT_DTYPE_BF16, context.device, s);
    } else {
      const int64_t total = p.m * p.n;
      const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((total + 255) / 256, 65535));
      promoted_plain_kernel<D><<<blocks, 256, 0, s>>>(x, p.q, p.w_scale, static_cast<const T*>(p.bias),
                                                       static_cast<T*>(p.out), p.m, p.n, p.k,
                                                       state + 1, promote_above);
      OCT_CUDA_CHECK_LAUNCH("promoted_plain_kernel");
    }
  };

  const DeviceTraits& dev = device_traits(context.device);
  const int64_t rows_per_block = (p.m + dev.sm_count - 1) / dev.sm_count;
  // At decode sizes the small prep feeds the decode kernel: one launch where the fused path takes
  // a memset and the prep.
  // The small prep's instantiation (chunks of 16 bytes per thread) and shared memory (all of x)
  const int64_t small_chunks = (p.k + kSmallThreads * 8 - 1) / (kSmallThreads * 8);
  auto with_small_prep = [&](auto f) {
    if (small_chunks <= 1) return f(std::integral_constant<int, 1>{});
    if (small_chunks <= 2) return f(std::integral_constant<int, 2>{});
    return f(std::integral_constant<int, 4>{});
  };
  const int64_t small_smem = p.m * p.k * int64_t(sizeof(T));
  const bool small_first =
      computed && p.m <= kSmallMaxRows && vec && p.k <= kSmallPrepMaxK &&
      p.m * p.k <= kSmallPrepMaxElems && with_small_prep([&](auto i) {
        return small_smem <= opt_in_all_smem<small_prep_kernel<D, decltype(i)::value>>(context.device, dev.smem_optin);
      });
  const Prep forced = prep_override();
  // (Asked only where the fused kernel is a candidate: decode calls skip the attribute lookup.)
  const auto fused_fits = [&] {
    return vec && p.k <= kFusedMaxK && rows_per_block <= 65535 &&
           fused_prep_smem(rows_per_block, p.k) <=
               opt_in_all_smem<fused_prep_kernel<D>>(context.device, dev.smem_optin);
  };
  // Long rows (past kResidentMaxCols) while they fit on chip: the fused kernel (faster there at
  // small M: H100, (8192, 28672) M = 32 105.7 against 117.6 us). Decode sizes: the small prep.
  // Otherwise the speculative pair.
  const bool use_fused = forced == Prep::kFused ? fused_fits()
                                                : forced == Prep::kAuto && !small_first && vec &&
                                                      p.k > kResidentMaxCols && fused_fits();
  const bool use_small = !use_fused && small_first && forced != Prep::kSpec;
  if (use_fused) {
    // 1 + 2 in one cooperative kernel, one block per SM: zero the barrier and the flag words
    OCT_CUDA_CHECK(cudaMemsetAsync(ws + l.state, 0, static_cast<size_t>(256 + (p.k + 31) / 32 * 8), s));
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(static_cast<unsigned>(dev.sm_count));
    cfg.blockDim = dim3(kFusedThreads);
    cfg.dynamicSmemBytes = static_cast<size_t>(fused_prep_smem(rows_per_block, p.k));
    cfg.stream = s;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeCooperative;
    attr[0].val.cooperative = 1;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    OCT_CUDA_CHECK(cudaLaunchKernelEx(&cfg, fused_prep_kernel<D>, x, p.m, p.k,
                                      static_cast<int>(rows_per_block), p.threshold, state, flags,
                                      idx, xq, scales, xo, p.q, p.n, wo, mainloop, l.k_pad, !computed,
                                      p.outlier_count));
    OCT_CUDA_CHECK_LAUNCH("fused_prep_kernel");
  } else if (use_small) {
    // 1 + 2 in one kernel of M blocks (no memset)
    with_small_prep([&](auto i) {
      small_prep_kernel<D, decltype(i)::value><<<static_cast<unsigned>(p.m), kSmallThreads,
                                                 static_cast<size_t>(small_smem), s>>>(
          x, p.m, p.k, p.threshold, state, idx, xq, scales, xo, l.k_pad, p.outlier_count);
    });
    OCT_CUDA_CHECK_LAUNCH("small_prep_kernel");
    gemm_s8(context, g, s);  // the decode kernel computes the outlier part
    return promoted_pass();
  } else {
    // 1 + 2 speculatively in two row passes: zero the count and the flag words
    const int64_t words = (p.k + 31) / 32;
    OCT_CUDA_CHECK(cudaMemsetAsync(ws + l.state, 0, static_cast<size_t>(256 + words * 8), s));
    const auto rows = static_cast<unsigned>(p.m);
    if (vec && p.k <= kResidentMaxCols) {
      with_resident_row_shape<true>(p.m, p.k, dev.sm_count, [&](auto threads, auto iters) {  // (256 x 8 spills)
        constexpr int kT = decltype(threads)::value, kI = decltype(iters)::value;
        spec_quant_kernel<D, kT, kI><<<rows, kT, 0, s>>>(x, p.k, p.threshold, flags, words,
                                                         promote_above, xq, scales);
      });
    } else if (vec) {
      spec_quant_loop_kernel<D, true><<<rows, kSpecLoopThreads, 0, s>>>(
          x, p.k, p.threshold, flags, words, promote_above, xq, scales);
    } else {
      spec_quant_loop_kernel<D, false><<<rows, kSpecLoopThreads, 0, s>>>(
          x, p.k, p.threshold, flags, words, promote_above, xq, scales);
    }
    OCT_CUDA_CHECK_LAUNCH("spec_quant_kernel");
    constexpr int64_t kWarps = kSpecFixThreads / 32;
    const int64_t blocks = (p.m + kWarps - 1) / kWarps + (computed ? 0 : (p.n + kWarps - 1) / kWarps);
    PdlLaunch fix(dim3(static_cast<unsigned>(blocks)), dim3(kSpecFixThreads), s, dev.sm >= 90);
    fix.cfg.dynamicSmemBytes = static_cast<size_t>((words + promote_above) * 4);  // <= 32 KB (K <= 131071)
    OCT_CUDA_CHECK(cudaLaunchKernelEx(&fix.cfg, vec ? spec_fix_kernel<D, true> : spec_fix_kernel<D, false>,
                                      x, p.m, p.k, p.threshold, static_cast<const uint32_t*>(flags),
                                      state, idx, xq, scales, xo, p.q, p.n, wo, mainloop, l.k_pad,
                                      p.outlier_count));
    OCT_CUDA_CHECK_LAUNCH("spec_fix_kernel");
  }

  // 3 + 4 in one GEMM where it computes the outlier part itself (the decode kernel; on sm90 the
  // main loop). On sm90 both the int8 GEMM and the promoted pass are gated, so the promoted pass
  // goes first: its closed gate then costs its CTAs' exit after the prep (under whose tail they
  // were launched) instead of a launch after the GEMM's last CTAs.
  if (mainloop) {
    promoted_pass();
    return gemm_s8(context, g, s);
  }
  if (computed) {
    gemm_s8(context, g, s);
    return promoted_pass();
  }
  // 3: the outlier part into c (BM 16 for decode-sized M, else 64; zeros with no outlier column)
  const unsigned og_n = static_cast<unsigned>((p.n + kOgBN - 1) / kOgBN);
  const int64_t og_m = p.m <= 16 ? 1 : (p.m + 63) / 64;  // <= 65535: checked above
  const dim3 og_grid(og_n, static_cast<unsigned>(og_m));
  const auto* wo8 = static_cast<const int8_t*>(wo);
  if (p.m <= 16)
    outlier_gemm_kernel<D, 16><<<og_grid, kOgThreads, 0, s>>>(xo, wo8, p.w_scale, state, p.m, p.n, l.k_pad, promote_above, c);
  else
    outlier_gemm_kernel<D, 64><<<og_grid, kOgThreads, 0, s>>>(xo, wo8, p.w_scale, state, p.m, p.n, l.k_pad, promote_above, c);
  OCT_CUDA_CHECK_LAUNCH("outlier_gemm_kernel");

  // 4: the int8 GEMM of the regular part, c entering its epilogue as the source term
  gemm_s8(context, g, s);
  promoted_pass();
}

}  // namespace

void linear_llm_int8(const oct_context& context, const LlmInt8Problem& p, void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  const LlmInt8Layout l = LlmInt8Layout::of(p.m, p.n, p.k);
  auto s = static_cast<cudaStream_t>(stream);
  if (p.dtype == OCT_DTYPE_FP16)
    launch<OCT_DTYPE_FP16>(context, p, l, s);
  else
    launch<OCT_DTYPE_BF16>(context, p, l, s);
}

}  // namespace octet::cuda
