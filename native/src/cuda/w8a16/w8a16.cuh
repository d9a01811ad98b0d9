// Weight-only INT8 (W8A16) on the GPU: the pieces both kernels share, and the kernels' launchers.
//
// Every kernel feeds the tensor cores (mma.sync.m16n8k16 in the skinny and mma.sync kernels,
// wgmma in the Hopper ones; fp32 accumulators) with the int8 weight converted in registers to
// *exact* fp16/bf16 integers (|q| <= 127 is exact in both), so every product x * q is exact and
// the only roundings are the fp32 accumulation and the final one. The scales stay fp32: per
// channel they multiply the finished dot product; per group they multiply a partial sum (each
// 64-wide chunk's in the mma.sync kernels) before it joins the fp32 accumulator, or (the wgmma
// kernel) rescale the running sum, kept in units of the current group's scale, by the ratio of
// consecutive scales (gemm_wgmma.cu).
//
// K permutation. A dot product does not care in which order its terms meet, so within every chunk
// of 64 inputs we hand the mma a permuted k: the slot that m16n8k16 calls k = (2t + e) or
// (2t + 8 + e) of step j (t = lane % 4, e = 0..1) takes the physical input 16 t + 4 j + e resp.
// 16 t + 4 j + 2 + e. Then a lane's weight operand for all four k16 steps of a chunk is 16
// contiguous int8 of one weight row (one 16-byte load), and its activation operand is 16
// contiguous halves of one x row (two 16-byte loads): word j of the weight load and words 2j,
// 2j + 1 of the activation load serve step j.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "common/objects.hpp"
#include "cuda/common/mma.cuh"  // Int8x4, Mma (octet::cuda)
#include "cuda/w8a16/plan_sm90.hpp"
#include "cuda/w8a16/plan_wgmma.hpp"

namespace octet::cuda::w8a16 {

constexpr int kChunk = 64;  // inputs per chunk; per-group scales need group % kChunk == 0

template <typename T> __device__ __forceinline__ T to_out(float v);
template <> __device__ __forceinline__ __half to_out<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 to_out<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}
template <typename T> __device__ __forceinline__ float from_in(T v);
template <> __device__ __forceinline__ float from_in<__half>(__half v) { return __half2float(v); }
template <> __device__ __forceinline__ float from_in<__nv_bfloat16>(__nv_bfloat16 v) {
  return __bfloat162float(v);
}

// ---- the problem, as the kernels see it

struct Problem {
  const void* x;        // [M, K] T
  const int8_t* q;      // [N, K]
  const float* scales;  // [N] (per channel) or [N, groups]
  const void* bias;     // [N] T or nullptr
  void* out;            // [M, N] T
  int m, n, k;
  int groups;      // scales per row: 1 per channel
  int group_size;  // K per channel
  // A device-side gate (LLM.int8()'s promotion, llm_int8.cu): with gate_count set, the kernels
  // do their work only when *gate_count > gate_above (read after the previous kernel completed),
  // else they return at once; unset, they always run.
  const int32_t* gate_count = nullptr;
  int64_t gate_above = 0;
  // The skinny kernel prefetches the lines of each warp's first two batches into L2 before its
  // PDL wait (run() allows it, launch_skinny decides at M = 9..16; skinny_body.cuh).
  bool prefetch = false;
  // The skinny kernel's 16-row tiles per block (its kMultiTile form; launch_skinny decides).
  int tiles_per_block = 1;
  // Hopper's GEMMs (the CUTLASS one and ours): launched with programmatic dependent launch, so
  // that their launch and prologue overlap the previous kernel's end (they wait for it before
  // reading or writing global memory). run() sets it; behind a gate they always use it.
  bool pdl = false;
};

// The per-channel problem of a weight-only layer (scales [N]): LLM.int8()'s promoted layer.
__host__ __device__ inline Problem per_channel(const void* x, const int8_t* q, const float* scales,
                                               const void* bias, void* out, int64_t m, int64_t n,
                                               int64_t k) {
  Problem p;
  p.x = x, p.q = q, p.scales = scales, p.bias = bias, p.out = out;
  p.m = static_cast<int>(m), p.n = static_cast<int>(n), p.k = static_cast<int>(k);
  p.groups = 1, p.group_size = p.k;
  return p;
}

__device__ __forceinline__ bool gate_open(const Problem& p) {
  return p.gate_count == nullptr || *p.gate_count > p.gate_above;
}

// What every W8A16 kernel needs, and oct_gemm_w8a16 checks (with its errors): K % 16 == 0 and
// 16-byte aligned x and q. The library's other layers (LLM.int8() promoted) ask here.
inline bool accepts(const void* x, const int8_t* q, int64_t k) {
  return k % 16 == 0 && is_aligned(x, 16) && is_aligned(q, 16);
}

// The dispatch by M (and N) of oct_gemm_w8a16 (gemm_w8a16.cu), for the library's other layers
// too (LLM.int8() promoted): skinny kernel, sm90 CUTLASS GEMM, our wgmma GEMM or mma.sync GEMM.
// Needs what `accepts` checks; enqueues on `stream` only.
void run(const Problem& p, bool bf16, int device, cudaStream_t stream);

// Launchers (skinny.cu, gemm.cu). `T` is __half or __nv_bfloat16.
// pdl: programmatic dependent launch (compute capability 9.0 and newer only). tiles_per_block: the
// skinny kernel's 16-row tiles per block per channel at M <= 8, 0 to choose (skinny.cu).
template <typename T>
void launch_skinny(const Problem& p, bool pdl, int device, int sm_count, int tiles_per_block,
                   cudaStream_t stream);
template <typename T>
void launch_gemm(const Problem& p, int device, int sm_count, cudaStream_t stream);

// The skinny (weight-streaming) kernel takes up to kSliceM tokens per block (8 column tiles of 8
// tokens) and up to kSkinnyLimitM in a grid of slices. Against the mma.sync GEMM it wins at every
// M it can take (H100 measurements in docs/perf-notes-w8a16.md); against the sm90 GEMM (per
// channel) see skinny_beats_sm90.
constexpr int kSliceM = 64;
constexpr int kSkinnyLimitM = 128;

// Hopper (sm_90a) wgmma GEMM of our own (gemm_wgmma.cu; no CUTLASS needed): per group with fp32
// group scales, per channel where it beats the sm90 GEMM (wgmma_beats_sm90, below) or CUTLASS is
// absent. Device of compute capability 9.0 only.
template <typename T> void launch_gemm_wgmma(const Problem& p, int device, cudaStream_t stream);

#if defined(OCTET_WITH_CUTLASS)
// Hopper (sm_90a) CUTLASS mixed-input GEMM, per-channel scales only (gemm_sm90_impl.cuh), on the
// plan of plan_sm90.hpp.
template <typename T> void launch_gemm_sm90(const Problem& p, int sm_count, cudaStream_t stream);
#endif
// OCTET_W8A16_SM90_SPLIT (plan_sm90.hpp), read once per process (gemm_w8a16.cu).
Sm90Split sm90_split_mode();
// Per channel past kSliceM and up to kWgmmaPerChannelMaxM (plan_sm90.hpp): whether our wgmma
// GEMM beats the sm90 one's one launch there (gemm_wgmma.cu).
template <typename T> bool wgmma_beats_sm90(const Problem& p, int device);

// Whether the sm90 GEMM can take the problem: per channel (CUTLASS's group-scale mode wants
// scales in the activation type, which would break the fp32-scale numerics), K % 16 == 0 and
// N % 8 == 0 (TMA row pitches), 16-byte aligned pointers.
inline bool sm90_gemm_applies(const Problem& p) {
  return p.groups == 1 && accepts(p.x, p.q, p.k) && p.n % 8 == 0 && is_aligned(p.out, 16) &&
         is_aligned(p.scales, 16) && is_aligned(p.bias, 16);  // (a null bias is aligned)
}

// Whether the wgmma GEMM can take the problem: TMA wants 16-byte row pitches (K % 16 == 0) and
// aligned x and q; the epilogue stores 16 bytes of out at a time (N % 8 == 0, aligned out).
// (Per-group sizes are multiples of 64, the kernel's K step, by oct_gemm_w8a16's checks.)
inline bool wgmma_gemm_applies(const Problem& p) {
  return accepts(p.x, p.q, p.k) && p.n % 8 == 0 && is_aligned(p.out, 16);
}

// Skinny kernel or our wgmma GEMM, up to kSkinnyLimitM (H100, per group 128, perf notes): the
// skinny kernel to M = 64; past it the wgmma GEMM, whose time is set by K and its waves of
// 128 x 128 tiles, wins once its tiles fill a third of the SMs (N >= 6144 at M <= 128: 40 us
// against 41-47 at (6144, 4096), 42 against 71-89 at (11008, 4096)). With fewer tiles it splits
// K over clusters of 3 CTAs where K has more than 36 steps of 64 (split_wgmma_us) against the
// 64-token slices' ~32 us per 4096 x 4096 of weight at M = 128 (27.5 at M = 65); the faster
// wins (4096^2: 22.5 us against 30-34; (4096, 11008): 41 against 72-82); with short K the slices.
inline bool skinny_beats_wgmma(const Problem& p, int sm_count) {
  if (p.m <= kSliceM) return true;
  const int64_t tiles = static_cast<int64_t>((p.n + 127) / 128) * ((p.m + 127) / 128);
  if (3 * tiles >= sm_count) return false;
  const int64_t steps = (p.k + 63) / 64;
  if (steps <= 36) return true;
  const double wgmma_us = split_wgmma_us(steps, 3);
  const double skinny_us = 32.0 * (0.75 + 0.25 * p.m / 128.0) * static_cast<double>(p.n) *
                           static_cast<double>(p.k) / (4096.0 * 4096.0);
  return skinny_us <= wgmma_us;
}

// Skinny kernel or sm90 GEMM (per channel on Hopper): the measured crossover (perf notes) is
// where the GEMM has enough 128-feature x 64-token tiles to keep about half the SMs streaming.
inline bool skinny_beats_sm90(const Problem& p, int sm_count) {
  if (p.m <= 16) return true;
  if (p.m > kSliceM) return false;
  const int64_t tiles = static_cast<int64_t>((p.n + 127) / 128) * ((p.m + 63) / 64);
  return !(p.m > 20 && 2 * tiles >= sm_count);
}

}  // namespace octet::cuda::w8a16
