// Internal interface of the int8 GEMM family: one launcher per kernel kind, chosen by dispatch.cu.
// Every launcher enqueues on `stream` and neither allocates nor synchronises.
#pragma once

#include <cuda_runtime.h>

#include "common/gemm_s8.hpp"

struct oct_context;

namespace octet::cuda::int8_gemm {

// The portable tiled kernel (dp4a): any M, N, K and any alignment, any GPU this library has code for.
void run_fallback(const GemmS8Problem& p, cudaStream_t stream);

// Decode sizes: a weight-streaming kernel on the tensor cores (mma.sync) for M <= kSkinnyMaxM,
// reading b once at close to memory bandwidth; sm_80 or newer, tensor_core_aligned(p). pdl:
// launched with programmatic dependent launch (sm_90 and newer).
constexpr int64_t kSkinnyMaxM = 16;
void run_skinny(const GemmS8Problem& p, bool pdl, cudaStream_t stream);

// What the tensor-core kernels need: 16-byte aligned rows and base pointers (K % 16, N % 8).
bool tensor_core_aligned(const GemmS8Problem& p);

// How gemm_s8 will treat LLM.int8()'s outlier part (LLM.int8() asks before launching the kernels
// that prepare it): read c (sm80, portable kernels), compute it in the main loop from
// p.outlier_x and p.outlier_w in x's dtype (the sm90 kernels; no c), or compute it from
// p.outlier_x, p.outlier_idx and b (the decode kernel; no c, no outlier_w).
enum class SourceRoute { kRead, kMainloop, kComputed };
SourceRoute source_route(const oct_context& context, const GemmS8Problem& p);

#ifdef OCTET_WITH_CUTLASS
// CUTLASS 3.x TMA + wgmma kernels (sm_90a), one translation unit per output dtype; the tile
// configuration is chosen inside by M (and N) bucket. `sm_count` feeds the persistent scheduler.
void run_sm90_fp16(const GemmS8Problem& p, int sm_count, cudaStream_t stream);
void run_sm90_bf16(const GemmS8Problem& p, int sm_count, cudaStream_t stream);
void run_sm90_s32(const GemmS8Problem& p, int sm_count, cudaStream_t stream);
// ... with LLM.int8()'s outlier part in the main loop (fp16/bf16 out; outlier_sm90.cuh).
void run_sm90_fp16_outlier(const GemmS8Problem& p, int sm_count, cudaStream_t stream);
void run_sm90_bf16_outlier(const GemmS8Problem& p, int sm_count, cudaStream_t stream);

// CUTLASS 2.x mma.sync kernels (sm_80 machine code; runs on sm_80, sm_86, sm_89).
void run_sm80_fp16(const GemmS8Problem& p, cudaStream_t stream);
void run_sm80_bf16(const GemmS8Problem& p, cudaStream_t stream);
void run_sm80_s32(const GemmS8Problem& p, cudaStream_t stream);
// ... with the source term p.c (fp16/bf16 out, per-channel b_scale only).
void run_sm80_fp16_src(const GemmS8Problem& p, cudaStream_t stream);
void run_sm80_bf16_src(const GemmS8Problem& p, cudaStream_t stream);
#endif

// Named M buckets shared by the architectures' dispatchers (see docs/perf-notes-int8-gemm.md).
enum class MBucket { kSmall, kMid, kLarge };  // M <= 64, 64 < M <= 512, M > 512
inline MBucket m_bucket(int64_t m) {
  return m <= 64 ? MBucket::kSmall : (m <= 512 ? MBucket::kMid : MBucket::kLarge);
}

// The sm90 persistent tile scheduler's order for an M bucket: swizzle width (1, 2, 4 or 8 tiles)
// and raster (0: CUTLASS's heuristic, 1: along M, 2: along N; CUTLASS's RasterOrderOptions).
// Defaults in dispatch.cu; OCTET_SM90_SCHEDULE="<swizzle>,<raster>" overrides them for every
// bucket (benchmarking).
struct Sm90Schedule {
  int swizzle = 1;
  int raster = 0;
};
Sm90Schedule sm90_schedule(MBucket bucket);

}  // namespace octet::cuda::int8_gemm
