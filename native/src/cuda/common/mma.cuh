// Tensor-core pieces shared by the kernels that feed mma.sync an int8 operand as exact fp16/bf16
// integers (|q| <= 127 is exact in both): the W8A16 kernels and LLM.int8()'s outlier GEMM.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace octet::cuda {

// ---- int8 -> exact fp16/bf16 in registers (a few full-rate instructions; I2F would be four
// quarter-rate conversions per pair)

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

// ---- the weight stream: 16 bytes read once (read-only path, no L1 allocation, so that the
// stream does not evict the small operand the kernels re-read from L1)

__device__ __forceinline__ void load_streamed16(uint32_t (&r)[4], const void* p) {
  asm("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
      : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
      : "l"(p));
}

// The line holding p into L2 (no data to the SM).
__device__ __forceinline__ void prefetch_l2(const void* p) {
  asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
}

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

}  // namespace octet::cuda
