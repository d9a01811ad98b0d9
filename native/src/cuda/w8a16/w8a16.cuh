// Weight-only INT8 (W8A16) on the GPU: the pieces both kernels share, and the kernels' launchers.
//
// Both kernels feed the tensor cores (mma.sync.m16n8k16, fp32 accumulators) with the int8 weight
// converted in registers to *exact* fp16/bf16 integers (|q| <= 127 is exact in both), so every
// product x * q is exact and the only roundings are the fp32 accumulation and the final one. The
// scales stay fp32: per channel they multiply the finished dot product; per group they multiply
// each 64-wide chunk's partial sum before it joins the fp32 accumulator.
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

namespace octet::cuda::w8a16 {

constexpr int kChunk = 64;  // inputs per chunk; per-group scales need group % kChunk == 0

// ---- int8 -> exact fp16/bf16 in registers

// Four int8 (one 32-bit word) -> two packed pairs: lo = (byte0, byte1), hi = (byte2, byte3).
template <typename T> struct Int8x4;

template <> struct Int8x4<__half> {
  // fp16 magic number: 0x64XX is 1024 + XX; with the sign bit flipped, XX = q + 128, so
  // subtracting 1152 leaves q exactly.
  static __device__ __forceinline__ void convert(uint32_t w, uint32_t& lo, uint32_t& hi) {
    const uint32_t u = w ^ 0x80808080u;
    lo = __byte_perm(u, 0x64646464u, 0x5140);
    hi = __byte_perm(u, 0x64646464u, 0x5342);
    const uint32_t magic = 0x64806480u;  // (1152, 1152)
    asm("sub.f16x2 %0, %0, %1;" : "+r"(lo) : "r"(magic));
    asm("sub.f16x2 %0, %0, %1;" : "+r"(hi) : "r"(magic));
  }
};

template <> struct Int8x4<__nv_bfloat16> {
  // bf16 has too few mantissa bits for a 2^k + q magic, so go through fp32: 0x4B0000XX is
  // 2^23 + XX; minus (2^23 + 128) that is q, an integer of <= 8 significant bits, whose upper
  // 16 bits are its exact bf16.
  static __device__ __forceinline__ void convert(uint32_t w, uint32_t& lo, uint32_t& hi) {
    const uint32_t u = w ^ 0x80808080u;
    float f[4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
      f[i] = __uint_as_float(__byte_perm(u, 0x4B000000u, 0x7440 | i)) - 8388736.0f;
    lo = __byte_perm(__float_as_uint(f[0]), __float_as_uint(f[1]), 0x7632);
    hi = __byte_perm(__float_as_uint(f[2]), __float_as_uint(f[3]), 0x7632);
  }
};

// ---- mma.sync.m16n8k16 with fp32 accumulators: d = a * b + d

template <typename T> struct Mma;
template <> struct Mma<__half> {
  static __device__ __forceinline__ void run(float (&d)[4], const uint32_t (&a)[4],
                                             uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};
template <> struct Mma<__nv_bfloat16> {
  static __device__ __forceinline__ void run(float (&d)[4], const uint32_t (&a)[4],
                                             uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

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
};

// Launchers (skinny.cu, gemm.cu). `T` is __half or __nv_bfloat16.
// pdl: programmatic dependent launch (compute capability 9.0 and newer only).
template <typename T> void launch_skinny(const Problem& p, bool pdl, cudaStream_t stream);
template <typename T>
void launch_gemm(const Problem& p, int device, int sm_count, cudaStream_t stream);

// Up to kSkinnyLimitM (8 column tiles of 8 tokens) the skinny (weight-streaming) kernel can run.
// Against the mma.sync GEMM it wins at every M it can take (H100 measurements in
// docs/perf-notes-w8a16.md); against the sm90 GEMM see skinny_beats_sm90.
constexpr int kSkinnyLimitM = 64;

#if defined(OCTET_WITH_CUTLASS)
// Hopper (sm_90a) CUTLASS mixed-input GEMM, per-channel scales only (gemm_sm90_impl.cuh).
template <typename T> void launch_gemm_sm90(const Problem& p, int sm_count, cudaStream_t stream);
// Token counts up to which the sm90 GEMM uses its 128 x 64 (features x tokens) tile; from which
// its 128 x 256 tile; 128 x 128 between.
constexpr int kSm90MidMaxM = 128;
constexpr int kSm90HugeMinM = 1024;
#endif

// Whether the sm90 GEMM can take the problem: per channel (CUTLASS's group-scale mode wants
// scales in the activation type, which would break the fp32-scale numerics), K % 16 == 0 and
// N % 8 == 0 (TMA row pitches), 16-byte aligned pointers.
inline bool sm90_gemm_applies(const Problem& p) {
  auto aligned = [](const void* ptr) { return (reinterpret_cast<uintptr_t>(ptr) & 15u) == 0; };
  return p.groups == 1 && p.k % 16 == 0 && p.n % 8 == 0 && aligned(p.x) && aligned(p.q) &&
         aligned(p.out) && aligned(p.scales) && (p.bias == nullptr || aligned(p.bias));
}

// Skinny kernel or sm90 GEMM (per channel on Hopper): the measured crossover (perf notes) is
// where the GEMM has enough 128-feature x 64-token tiles to keep about half the SMs streaming.
inline bool skinny_beats_sm90(const Problem& p, int sm_count) {
  if (p.m <= 16) return true;
  if (p.m > kSkinnyLimitM) return false;
  const int64_t tiles = static_cast<int64_t>((p.n + 127) / 128) * ((p.m + 63) / 64);
  return !(p.m > 20 && 2 * tiles >= sm_count);
}

}  // namespace octet::cuda::w8a16
