// LLM.int8() on the GPU (common/llm_int8.hpp has the definition). Five nodes on the caller's
// stream, none allocating or synchronising, the outlier count never leaving the device:
//
//   0. memset: the column pass's ticket and the per-column maxima (256 + 4K bytes)
//   1. column_pass_kernel: max_m |x[m,j]| per column (each block reduces 64 rows x 256 columns,
//      then one atomicMax per column); the last block to finish (a ticket) compacts the outlier
//      columns, colmax[j] > threshold, into idx[0..count) with a block prefix sum and writes
//      count (and the caller's outlier_count)
//   2. split_kernel: blocks [0, M) quantize one row each over its non-outlier columns (outliers
//      zeroed) and gather x[m, idx[0..count)] into xo (zero-padded to the K step); the blocks
//      after them gather q[n, idx[0..count)] into wo, one warp per row of q
//   3. outlier_gemm_kernel: c = (xo . wo^T) * w_scale on mma.sync m16n8k16 (fp16/bf16 in, fp32
//      accumulation; q enters as an exact fp16/bf16 integer), the K loop bound read from the
//      device (ceil(count / 32) steps, so its cost follows the number of outliers; no outlier:
//      it only writes zeros), rounded to out's dtype
//   4. the int8 GEMM of the regular part with c as the epilogue's source term (int8_gemm/)
//
// Why c is in out's dtype rather than fp32: c is written once and read once at [M, N]; at
// M = 2048, N = 4096 that is 32 MB of traffic in fp16 against 64 MB in fp32, about 10 us on an
// H100 against the ~60-70 us of the int8 GEMM itself: fp32 would eat the whole cost target. The
// price is one extra rounding of the outlier part (half an ulp of c in out's dtype), of the size
// of the final rounding; the tests' tolerances include it.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "backends.hpp"
#include "common/llm_int8.hpp"
#include "common/numerics.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/reduce.cuh"
#include "cuda/common/types.cuh"

namespace octet::cuda {
namespace {

constexpr int kColThreadsX = 32;               // column groups of 8 per block
constexpr int kColThreadsY = 8;                // rows in flight per block
constexpr int kColsPerBlock = kColThreadsX * 8;  // 256
constexpr int kRowsPerBlock = 64;
constexpr int kKStep = static_cast<int>(kLlmInt8KStep);

template <oct_dtype_t D>
using Elem = typename Element<D>::type;

// |v| as ordered bits: non-negative floats order like their uint32 bits, NaN (sign cleared)
// above +Inf, so a max over the bits propagates NaN.
__device__ __forceinline__ uint32_t abs_bits(float v) { return __float_as_uint(fabsf(v)); }

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

// ---- 1. per-column maxima, then (last block) the compaction of the outlier columns

// One block's compaction of the flags colmax[j] > threshold over all K columns into idx, in
// ascending order: per 256-column chunk a warp ballot, a scan over the 8 warps' counts, a
// running offset. `tid` is the thread's index in the block of 256. Returns the count.
__device__ int compact_outliers(const uint32_t* colmax_bits, int64_t cols, float threshold,
                                int32_t* __restrict__ idx, int tid) {
  __shared__ int warp_counts[8];
  const int lane = tid & 31, warp = tid >> 5;
  int running = 0;
  for (int64_t base = 0; base < cols; base += 256) {
    const int64_t j = base + tid;
    // __ldcg: the maxima were written by other blocks' atomics (in L2): bypass L1.
    const bool flag = j < cols && __uint_as_float(__ldcg(colmax_bits + j)) > threshold;
    const unsigned ballot = __ballot_sync(0xffffffffu, flag);
    if (lane == 0) warp_counts[warp] = __popc(ballot);
    __syncthreads();
    int before = 0, total = 0;
#pragma unroll
    for (int w = 0; w < 8; ++w) {
      before += w < warp ? warp_counts[w] : 0;
      total += warp_counts[w];
    }
    if (flag) idx[running + before + __popc(ballot & ((1u << lane) - 1u))] = static_cast<int32_t>(j);
    running += total;
    __syncthreads();  // warp_counts is rewritten by the next chunk
  }
  return running;
}

template <oct_dtype_t D, bool kVec>
__global__ void __launch_bounds__(kColThreadsX* kColThreadsY)
column_pass_kernel(const Elem<D>* __restrict__ x, int64_t rows, int64_t cols, float threshold,
                   uint32_t* __restrict__ colmax_bits, int32_t* __restrict__ state,
                   int32_t* __restrict__ idx, int32_t* __restrict__ outlier_count) {
  __shared__ uint32_t partial[kColThreadsY][kColsPerBlock];
  __shared__ bool last;
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int tid = ty * kColThreadsX + tx;
  const int64_t c0 = int64_t(blockIdx.y) * kColsPerBlock + tx * 8;
  const int64_t r0 = int64_t(blockIdx.x) * kRowsPerBlock;
  const int64_t r1 = min(rows, r0 + kRowsPerBlock);
  uint32_t mx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (c0 < cols) {
    for (int64_t r = r0 + ty; r < r1; r += kColThreadsY) {
      float v[8];
      load8<D, kVec>(x + r * cols, c0, cols, v);
#pragma unroll
      for (int j = 0; j < 8; ++j) mx[j] = max(mx[j], abs_bits(v[j]));
    }
  }
#pragma unroll
  for (int j = 0; j < 8; ++j) partial[ty][tx * 8 + j] = mx[j];
  __syncthreads();
  {  // 256 threads, one column each: reduce the 8 rows of partial maxima, one atomic per column
    const int64_t c = int64_t(blockIdx.y) * kColsPerBlock + tid;
    uint32_t m = 0;
#pragma unroll
    for (int y = 0; y < kColThreadsY; ++y) m = max(m, partial[y][tid]);
    if (c < cols && m != 0) atomicMax(colmax_bits + c, m);
  }
  // The last block to finish compacts (threadfence reduction: every block's atomics are visible
  // before its ticket is taken).
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    const unsigned blocks = gridDim.x * gridDim.y;
    last = atomicAdd(reinterpret_cast<unsigned*>(state), 1u) == blocks - 1;
  }
  __syncthreads();
  if (!last) return;
  __threadfence();
  const int count = compact_outliers(colmax_bits, cols, threshold, idx, tid);
  if (tid == 0) {
    state[1] = count;
    if (outlier_count) *outlier_count = count;
  }
}

// ---- 2. regular part quantization + gathers of the outlier columns of x and of q

constexpr int kSplitThreads = 256;


// Loads the 8 outlier flags of columns c0 .. c0+7 (false past `cols`).
template <bool kVec>
__device__ __forceinline__ void flags8(const float* __restrict__ colmax, int64_t c0, int64_t cols,
                                       float threshold, bool (&f)[8]) {
  if (kVec && c0 + 8 <= cols) {
    const float4 a = *reinterpret_cast<const float4*>(colmax + c0);
    const float4 b = *reinterpret_cast<const float4*>(colmax + c0 + 4);
    const float v[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
#pragma unroll
    for (int j = 0; j < 8; ++j) f[j] = v[j] > threshold;
    return;
  }
#pragma unroll
  for (int j = 0; j < 8; ++j) f[j] = c0 + j < cols && colmax[c0 + j] > threshold;
}

template <oct_dtype_t D, bool kVec>
__global__ void __launch_bounds__(kSplitThreads)
split_kernel(const Elem<D>* __restrict__ x, int64_t rows, int64_t cols, float threshold,
             const float* __restrict__ colmax, const int32_t* __restrict__ state,
             const int32_t* __restrict__ idx, int8_t* __restrict__ xq, float* __restrict__ scales,
             Elem<D>* __restrict__ xo, const int8_t* __restrict__ q, int64_t n_rows,
             int8_t* __restrict__ wo, int64_t k_pad) {
  const int count = state[1];
  const int padded = (count + kKStep - 1) / kKStep * kKStep;
  if (blockIdx.x >= rows) {  // gather q[n, idx] into wo: one warp per row of q
    const int64_t n = (int64_t(blockIdx.x) - rows) * (kSplitThreads / 32) + (threadIdx.x >> 5);
    if (n >= n_rows) return;
    const int8_t* qr = q + n * cols;
    int8_t* wr = wo + n * k_pad;
    for (int i = threadIdx.x & 31; i < padded; i += 32) wr[i] = i < count ? qr[idx[i]] : int8_t(0);
    return;
  }
  const int64_t row = blockIdx.x;
  const Elem<D>* xr = x + row * cols;
  // absmax over the non-outlier columns (a non-finite value: +Inf, hence scale NaN and xq = 0)
  float m = 0.0f;
  for (int64_t c = int64_t(threadIdx.x) * 8; c < cols; c += int64_t(blockDim.x) * 8) {
    float v[8];
    bool f[8];
    load8<D, kVec>(xr, c, cols, v);
    flags8<kVec>(colmax, c, cols, threshold, f);
#pragma unroll
    for (int j = 0; j < 8; ++j)
      if (!f[j]) m = fmaxf(m, abs_or_inf(v[j]));
  }
  m = block_max(m);
  const bool finite = !isinf(m);
  const float scale = finite ? scale_from_absmax(m) : NAN;
  if (threadIdx.x == 0) scales[row] = scale;
  int8_t* qr = xq + row * cols;
  for (int64_t c = int64_t(threadIdx.x) * 8; c < cols; c += int64_t(blockDim.x) * 8) {
    float v[8];
    bool f[8];
    load8<D, kVec>(xr, c, cols, v);
    flags8<kVec>(colmax, c, cols, threshold, f);
    alignas(8) int8_t o[8];
#pragma unroll
    for (int j = 0; j < 8; ++j) o[j] = (finite && !f[j]) ? quantize_value(v[j], scale) : int8_t(0);
    if (kVec && c + 8 <= cols) {
      *reinterpret_cast<int2*>(qr + c) = *reinterpret_cast<const int2*>(o);
    } else {
      for (int j = 0; j < 8 && c + j < cols; ++j) qr[c + j] = o[j];
    }
  }
  Elem<D>* xo_row = xo + row * k_pad;
  for (int i = threadIdx.x; i < padded; i += blockDim.x)
    xo_row[i] = i < count ? xr[idx[i]] : Element<D>::store(0.0f);
}

// ---- 3. the outlier GEMM on tensor cores

// mma.sync m16n8k16, row.col, fp32 accumulation; a: 4 regs, b: 2 regs (2 x 16-bit each).
template <oct_dtype_t D>
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4],
                                         const uint32_t (&b)[2]) {
  if constexpr (D == OCT_DTYPE_FP16) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
}

// Two int8 (k, k+1: low byte first) as an exact fp16/bf16 pair, packed like an mma operand.
template <oct_dtype_t D>
__device__ __forceinline__ uint32_t int8x2_to_pair(uint16_t v) {
  const float lo = static_cast<float>(static_cast<int8_t>(v & 0xff));
  const float hi = static_cast<float>(static_cast<int8_t>(v >> 8));
  if constexpr (D == OCT_DTYPE_FP16) {
    const __half2 h = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<const uint32_t*>(&h);
  } else {
    const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const uint32_t*>(&h);
  }
}

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
                    int64_t rows, int64_t n_rows, int64_t k_pad, Elem<D>* __restrict__ c) {
  constexpr int kMT = BM / 16;                              // m16 tiles per warp
  constexpr int kAChunks = BM * (kKStep * 2 / 16);          // 16-byte chunks of an A tile
  constexpr int kBChunks = kOgBN * (kKStep / 16);           // of a B tile
  constexpr int kAPer = (kAChunks + kOgThreads - 1) / kOgThreads;
  constexpr int kBPer = kBChunks / kOgThreads;
  __shared__ __align__(16) Elem<D> As[BM][kApad];
  __shared__ __align__(16) int8_t Bs[kOgBN][kBpad];

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int64_t m0 = int64_t(blockIdx.y) * BM, n0 = int64_t(blockIdx.x) * kOgBN;
  const int steps = (state[1] + kKStep - 1) / kKStep;

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
      uint32_t b[4][2];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int8_t* br = &Bs[warp * 32 + j * 8 + g][kk + 2 * t];
        b[j][0] = int8x2_to_pair<D>(*reinterpret_cast<const uint16_t*>(br));
        b[j][1] = int8x2_to_pair<D>(*reinterpret_cast<const uint16_t*>(br + 8));
      }
#pragma unroll
      for (int i = 0; i < kMT; ++i) {
        uint32_t a[4];
        a[0] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g][kk + 2 * t]);
        a[1] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g + 8][kk + 2 * t]);
        a[2] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g][kk + 2 * t + 8]);
        a[3] = *reinterpret_cast<const uint32_t*>(&As[i * 16 + g + 8][kk + 2 * t + 8]);
#pragma unroll
        for (int j = 0; j < 4; ++j) mma16816<D>(acc[i][j], a, b[j]);
      }
    }
    __syncthreads();  // before the next store overwrites the tiles
  }

  // Epilogue: times w_scale[n], rounded once to out's dtype. Accumulator (i, j): rows g, g + 8
  // of m tile i, columns 2t, 2t + 1 of n tile j.
  const bool pair_store = (n_rows % 2) == 0;
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const int64_t n = n0 + warp * 32 + j * 8 + 2 * t;
    if (n >= n_rows) continue;
    const bool has1 = n + 1 < n_rows;
    const float s0 = w_scale[n], s1 = has1 ? w_scale[n + 1] : 0.0f;
#pragma unroll
    for (int i = 0; i < kMT; ++i)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int64_t m = m0 + i * 16 + g + 8 * h;
        if (m >= rows) continue;
        const Elem<D> v0 = Element<D>::store(acc[i][j][2 * h] * s0);
        Elem<D>* dst = c + m * n_rows + n;
        if (pair_store) {  // n even, row stride even: a 4-byte aligned pair
          Elem<D> pair[2] = {v0, Element<D>::store(acc[i][j][2 * h + 1] * s1)};
          *reinterpret_cast<uint32_t*>(dst) = *reinterpret_cast<const uint32_t*>(pair);
        } else {
          dst[0] = v0;
          if (has1) dst[1] = Element<D>::store(acc[i][j][2 * h + 1] * s1);
        }
      }
  }
}

template <oct_dtype_t D>
void launch(const oct_context& context, const LlmInt8Problem& p, const LlmInt8Layout& l,
            cudaStream_t s) {
  using T = Elem<D>;
  uint8_t* ws = p.workspace;
  auto* state = reinterpret_cast<int32_t*>(ws + l.state);
  auto* colmax = reinterpret_cast<float*>(ws + l.colmax);
  auto* idx = reinterpret_cast<int32_t*>(ws + l.idx);
  auto* scales = reinterpret_cast<float*>(ws + l.scale);
  auto* xq = reinterpret_cast<int8_t*>(ws + l.xq);
  auto* xo = reinterpret_cast<T*>(ws + l.xo);
  auto* wo = reinterpret_cast<int8_t*>(ws + l.wo);
  auto* c = reinterpret_cast<T*>(ws + l.c);
  const auto* x = static_cast<const T*>(p.x);
  // 16-byte loads of x rows need K % 8 == 0 and an aligned base.
  const bool vec = p.k % 8 == 0 && reinterpret_cast<uintptr_t>(p.x) % 16 == 0;

  // 0 + 1: column maxima and the outlier list
  OCT_CUDA_CHECK(cudaMemsetAsync(ws + l.state, 0, static_cast<size_t>(l.zero_bytes), s));
  const int64_t col_blocks_y = (p.k + kColsPerBlock - 1) / kColsPerBlock;  // <= 512 (K <= 131071)
  const int64_t col_blocks_x = (p.m + kRowsPerBlock - 1) / kRowsPerBlock;  // <= 2^25
  const dim3 col_grid(static_cast<unsigned>(col_blocks_x), static_cast<unsigned>(col_blocks_y));
  const dim3 col_block(kColThreadsX, kColThreadsY);
  auto* bits = reinterpret_cast<uint32_t*>(colmax);
  if (vec)
    column_pass_kernel<D, true><<<col_grid, col_block, 0, s>>>(x, p.m, p.k, p.threshold, bits, state, idx, p.outlier_count);
  else
    column_pass_kernel<D, false><<<col_grid, col_block, 0, s>>>(x, p.m, p.k, p.threshold, bits, state, idx, p.outlier_count);
  OCT_CUDA_CHECK_LAUNCH("column_pass_kernel");

  // 2: quantize the regular part, gather the outlier columns of x and q
  const int64_t gather_blocks = (p.n + kSplitThreads / 32 - 1) / (kSplitThreads / 32);
  const unsigned split_grid = static_cast<unsigned>(p.m + gather_blocks);  // < 2^32
  if (vec)
    split_kernel<D, true><<<split_grid, kSplitThreads, 0, s>>>(x, p.m, p.k, p.threshold, colmax, state, idx, xq, scales, xo, p.q, p.n, wo, l.k_pad);
  else
    split_kernel<D, false><<<split_grid, kSplitThreads, 0, s>>>(x, p.m, p.k, p.threshold, colmax, state, idx, xq, scales, xo, p.q, p.n, wo, l.k_pad);
  OCT_CUDA_CHECK_LAUNCH("split_kernel");

  // 3: the outlier part (BM 16 for decode-sized M, else 64)
  const unsigned og_n = static_cast<unsigned>((p.n + kOgBN - 1) / kOgBN);
  if (p.m <= 16) {
    outlier_gemm_kernel<D, 16><<<dim3(og_n, 1), kOgThreads, 0, s>>>(xo, wo, p.w_scale, state, p.m, p.n, l.k_pad, c);
  } else {
    const int64_t og_m = (p.m + 63) / 64;
    if (og_m > 65535)
      fail(OCT_STATUS_NOT_SUPPORTED, "oct_linear_llm_int8: M = %lld exceeds %d", (long long)p.m, 65535 * 64);
    outlier_gemm_kernel<D, 64><<<dim3(og_n, static_cast<unsigned>(og_m)), kOgThreads, 0, s>>>(xo, wo, p.w_scale, state, p.m, p.n, l.k_pad, c);
  }
  OCT_CUDA_CHECK_LAUNCH("outlier_gemm_kernel");

  // 4: the int8 GEMM of the regular part, c entering its epilogue as the source term
  GemmS8Problem g;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.a = xq;
  g.b = p.q;
  g.a_scale = scales;
  g.b_scale = p.w_scale;
  g.a_per_row = true;
  g.b_per_col = true;
  g.bias = p.bias;
  g.c = c;
  g.out = p.out;
  g.out_dtype = D;
  gemm_s8(context, g, s);
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
