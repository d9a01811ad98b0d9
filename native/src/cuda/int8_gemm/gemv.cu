// The int8 GEMM at decode sizes (small M) as a weight-streaming kernel: the problem is bound by
// reading b ([N, K] int8) once. Deterministic (no atomics), no workspace; int32 accumulation is
// exact, so every variant's results are bit-identical. Needs the tensor-core alignment
// (K % 16 == 0, 16-byte aligned rows); dispatch.cu sends M <= its GEMV limit here.
//
// Variants (OCTET_GEMV_VARIANT, read once per process):
//   0  dp4a, one warp per output column n: its lanes stream the row b[n, :] with 16-byte loads
//      (4 in flight per lane) and multiply each with every row of a (re-read from L1 per weight
//      chunk and row, which is why it loses to the CUTLASS tiles from M = 2). N/8 blocks.
//   1  tensor cores (mma.sync.m16n8k32.s8, any sm_80+): a block owns 16 columns n and all of K,
//      its 8 warps split K by 64-byte chunks. Per chunk a lane copies 16 bytes of b rows g and
//      g + 8 with cp.async into a per-warp ring of D = 5 chunks in shared memory (a continuous
//      stream, 5 chunks in flight per lane, no registers held) and loads 16 bytes of a row g of
//      each 8-row token tile (one chunk ahead); two mma per chunk and token tile. a is read once
//      per 16 columns instead of once per column: M = 2..16 cost about what M = 1 costs.
//      N/16 blocks; programmatic dependent launch on sm90.
//   2  (the default) variant 1 with split-K over a 2-block cluster (sm90; elsewhere variant 1):
//      N/8 blocks, the two halves of K meet through distributed shared memory.
// Variants 1 and 2 take M <= 16 (two token tiles); they are what makes raising the dispatch's GEMV
// limit (OCTET_GEMV_MAX_M) past 1 worth measuring.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <cooperative_groups.h>

#include <cstdlib>

#include "cuda/common/check.cuh"
#include "cuda/int8_gemm/gemm_s8.hpp"

namespace octet::cuda::int8_gemm {
namespace {

constexpr int kWarps = 8;
constexpr int kUnroll = 4;  // 16-byte weight loads in flight per lane

__device__ __forceinline__ int dot16(const int4& w, const int4& x, int acc) {
  acc = __dp4a(w.x, x.x, acc);
  acc = __dp4a(w.y, x.y, acc);
  acc = __dp4a(w.z, x.z, acc);
  return __dp4a(w.w, x.w, acc);
}

// Output (m, n) from its exact int32 accumulator: raw, or the dequantizing epilogue (with the
// source term c when the problem has one).
__device__ __forceinline__ void store_out(const GemmS8Problem& p, int64_t m, int64_t n, int v) {
  const int64_t o = m * p.n + n;
  if (p.out_dtype == OCT_DTYPE_INT32) {
    static_cast<int32_t*>(p.out)[o] = v;
    return;
  }
  const float as = p.a_scale[p.a_per_row ? m : 0];
  const float bs = p.b_scale[p.b_per_col ? n : 0];
  if (p.out_dtype == OCT_DTYPE_FP16) {
    const auto* bias = static_cast<const __half*>(p.bias);
    const auto* c = static_cast<const __half*>(p.c);
    const float y = c ? gemm_s8_epilogue_src(v, as, bs, bias ? __half2float(bias[n]) : 0.0f,
                                             __half2float(c[o]))
                      : gemm_s8_epilogue(v, as, bs, bias ? __half2float(bias[n]) : 0.0f);
    static_cast<__half*>(p.out)[o] = __float2half_rn(y);
  } else {
    const auto* bias = static_cast<const __nv_bfloat16*>(p.bias);
    const auto* c = static_cast<const __nv_bfloat16*>(p.c);
    const float y =
        c ? gemm_s8_epilogue_src(v, as, bs, bias ? __bfloat162float(bias[n]) : 0.0f,
                                 __bfloat162float(c[o]))
          : gemm_s8_epilogue(v, as, bs, bias ? __bfloat162float(bias[n]) : 0.0f);
    static_cast<__nv_bfloat16*>(p.out)[o] = __float2bfloat16_rn(y);
  }
}

template <int kMaxM>
__global__ void __launch_bounds__(kWarps * 32) gemv_s8_kernel(GemmS8Problem p) {
  const int lane = threadIdx.x & 31;
  const int64_t n = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
  if (n >= p.n) return;
  const int m_count = static_cast<int>(p.m);
  const int64_t chunks = p.k / 16;  // 16-byte chunks per row
  const int4* b_row = reinterpret_cast<const int4*>(p.b + n * p.k);
  const int4* a_base = reinterpret_cast<const int4*>(p.a);

  int acc[kMaxM];
#pragma unroll
  for (int m = 0; m < kMaxM; ++m) acc[m] = 0;

  int64_t c = lane;
  for (; c + 32 * (kUnroll - 1) < chunks; c += 32 * kUnroll) {
    int4 w[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) w[u] = __ldcs(b_row + c + 32 * u);  // streamed once
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
#pragma unroll
      for (int m = 0; m < kMaxM; ++m)
        if (m < m_count) acc[m] = dot16(w[u], __ldg(a_base + m * chunks + c + 32 * u), acc[m]);
    }
  }
  for (; c < chunks; c += 32) {
    const int4 w = __ldcs(b_row + c);
#pragma unroll
    for (int m = 0; m < kMaxM; ++m)
      if (m < m_count) acc[m] = dot16(w, __ldg(a_base + m * chunks + c), acc[m]);
  }

#pragma unroll
  for (int m = 0; m < kMaxM; ++m) {
    if (m >= m_count) break;
    int v = acc[m];
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    if (lane == 0) store_out(p, m, n, v);
  }
}

template <int kMaxM>
void launch(const GemmS8Problem& p, cudaStream_t stream) {
  const int64_t blocks = (p.n + kWarps - 1) / kWarps;
  if (blocks > 0x7fffffff) fail(OCT_STATUS_NOT_SUPPORTED, "N = %lld is too large", (long long)p.n);
  gemv_s8_kernel<kMaxM><<<static_cast<unsigned>(blocks), kWarps * 32, 0, stream>>>(p);
  OCT_CUDA_CHECK_LAUNCH("gemv_s8_kernel");
}

// ---- variants 1 and 2: tensor cores, weight stream through cp.async

constexpr int kChunk = 64;  // K bytes per chunk: 16 per lane of a quad, two m16n8k32 steps
constexpr int kStages = 5;  // chunks in flight per lane (the ring)

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
  const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(dst), "l"(gmem) : "memory");
}
__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;" ::: "memory");
}
template <int N> __device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory");
}

// d += a * b, m16n8k32, int8 inputs, int32 accumulators (exact).
__device__ __forceinline__ void mma_s8(int (&d)[4], uint32_t a0, uint32_t a1, uint32_t a2,
                                       uint32_t a3, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// Shared memory: the ring (kStages chunks x 2 pieces of 16 bytes per lane of each warp), reused
// after the main loop for the warps' partial sums, then the block's sums (S > 1).
template <int NT, int S> __host__ __device__ constexpr int mma_smem_bytes() {
  constexpr int ring = kWarps * kStages * 2 * 32 * 16;
  constexpr int red = kWarps * NT * 4 * 32 * 4;
  return (ring > red ? ring : red) + (S > 1 ? NT * 4 * 32 * 4 : 0);
}

// A block: 16 columns n (mma rows: weight = A operand) x its 1/S of K, NT tiles of 8 tokens (mma
// columns: a = B operand). K permutation within a 64-byte chunk: the mma k-slots 4t..4t+3 and
// 16+4t..16+4t+3 of step j take the bytes 16t + 8j + 0..3 and 16t + 8j + 4..7 of both operands,
// so a lane's operands of a chunk are 16 contiguous bytes of b rows g and g + 8 and of a row g.
template <int NT, int S>
__global__ void __launch_bounds__(kWarps * 32) gemv_s8_mma_kernel(GemmS8Problem p) {
  extern __shared__ uint4 smem[];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int rank = S == 1 ? 0 : static_cast<int>(blockIdx.x % S);  // cluster dims (S, 1, 1)
  const int64_t n0 = int64_t(blockIdx.x / S) * 16;
  const bool ok_lo = n0 + g < p.n, ok_hi = n0 + g + 8 < p.n;
  const int8_t* b_lo = p.b + (ok_lo ? n0 + g : 0) * p.k + 16 * t;
  const int8_t* b_hi = p.b + (ok_hi ? n0 + g + 8 : 0) * p.k + 16 * t;
  const int chunks = static_cast<int>((p.k + kChunk - 1) / kChunk);
  constexpr int kStride = kWarps * S;  // between a warp's consecutive chunks
  const int first = rank * kWarps + warp;
  const int mine = first < chunks ? (chunks - 1 - first) / kStride + 1 : 0;
  uint4* ring = smem + warp * (kStages * 2 * 32) + lane;  // piece j of slot s: ring[(2 s + j) 32]

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");  // programmatic dependent launch
#endif

  // Chunk i of this warp into slot i % kStages; one commit group per chunk (empty past the end).
  auto issue = [&](int i) {
    const int64_t kk = int64_t(first + i * kStride) * kChunk;
    if (i < mine && kk + 16 * t < p.k) {
      uint4* dst = ring + (i % kStages) * 2 * 32;
      if (ok_lo) cp_async16(dst, b_lo + kk);
      if (ok_hi) cp_async16(dst + 32, b_hi + kk);
    }
    cp_async_commit();
  };
  auto load_a = [&](int i, uint4 (&xa)[NT]) {
    const int64_t kk = int64_t(first + i * kStride) * kChunk + 16 * t;
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const int64_t m = nt * 8 + g;
      xa[nt] = (i < mine && kk < p.k && m < p.m)
                   ? __ldg(reinterpret_cast<const uint4*>(p.a + m * p.k + kk))
                   : make_uint4(0u, 0u, 0u, 0u);
    }
  };

  int acc[NT][4];
#pragma unroll
  for (int nt = 0; nt < NT; ++nt)
#pragma unroll
    for (int i = 0; i < 4; ++i) acc[nt][i] = 0;

#pragma unroll
  for (int i = 0; i < kStages - 1; ++i) issue(i);
  uint4 xa[NT];
  load_a(0, xa);
  for (int i = 0; i < mine; ++i) {
    issue(i + kStages - 1);
    uint4 xn[NT];  // the next chunk's a, in flight during this one's math
    load_a(i + 1, xn);
    cp_async_wait<kStages - 1>();
    const bool kin = int64_t(first + i * kStride) * kChunk + 16 * t < p.k;
    const uint4* src = ring + (i % kStages) * 2 * 32;
    const uint4 zero = make_uint4(0u, 0u, 0u, 0u);
    const uint4 lo = kin && ok_lo ? src[0] : zero, hi = kin && ok_hi ? src[32] : zero;
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      mma_s8(acc[nt], lo.x, hi.x, lo.y, hi.y, xa[nt].x, xa[nt].y);
      mma_s8(acc[nt], lo.z, hi.z, lo.w, hi.w, xa[nt].z, xa[nt].w);
    }
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) xa[nt] = xn[nt];
  }
  cp_async_wait<0>();
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif

  // Reduction over the warps (and the cluster's blocks): int32, exact in any order. Value
  // r = 4 nt + i of lane l is column n0 + l / 4 (+ 8 for i >= 2), token 8 nt + 2 (l % 4) + i % 2.
  constexpr int kVals = NT * 4 * 32;
  __syncthreads();  // the ring becomes the reduction buffer
  int* red = reinterpret_cast<int*>(smem);
#pragma unroll
  for (int nt = 0; nt < NT; ++nt)
#pragma unroll
    for (int i = 0; i < 4; ++i) red[warp * kVals + (nt * 4 + i) * 32 + lane] = acc[nt][i];
  __syncthreads();
  auto finish = [&](int idx, int v) {
    const int r = idx >> 5, l = idx & 31, i = r & 3, nt = r >> 2;
    const int64_t n = n0 + (l >> 2) + (i >= 2 ? 8 : 0);
    const int64_t m = nt * 8 + 2 * (l & 3) + (i & 1);
    if (n < p.n && m < p.m) store_out(p, m, n, v);
  };
  if constexpr (S == 1) {
    for (int idx = threadIdx.x; idx < kVals; idx += blockDim.x) {
      int v = 0;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) v += red[w * kVals + idx];
      finish(idx, v);
    }
  } else {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    int* sum = reinterpret_cast<int*>(reinterpret_cast<char*>(smem) + mma_smem_bytes<NT, 1>());
    for (int idx = threadIdx.x; idx < kVals; idx += blockDim.x) {
      int v = 0;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) v += red[w * kVals + idx];
      sum[idx] = v;
    }
    namespace cg = cooperative_groups;
    cg::cluster_group cluster = cg::this_cluster();
    cluster.sync();
    constexpr int kShare = kVals / S;  // block `rank` finishes its 1/S of the outputs
    for (int idx = rank * kShare + threadIdx.x; idx < (rank + 1) * kShare; idx += blockDim.x) {
      int v = 0;
#pragma unroll
      for (int s = 0; s < S; ++s) v += cluster.map_shared_rank(sum, s)[idx];
      finish(idx, v);
    }
    cluster.sync();  // no block leaves while another still reads its shared memory
#else
    __trap();  // split-K is launched on compute capability 9.0 and newer only
#endif
  }
}

template <int NT, int S>
void launch_mma(const GemmS8Problem& p, bool sm90, cudaStream_t stream) {
  const int64_t blocks = (p.n + 15) / 16 * S;
  if (blocks > 0x7fffffff) fail(OCT_STATUS_NOT_SUPPORTED, "N = %lld is too large", (long long)p.n);
  static_assert(mma_smem_bytes<NT, S>() <= 48 * 1024, "no dynamic shared memory opt-in needed");
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(static_cast<unsigned>(blocks));
  cfg.blockDim = dim3(kWarps * 32);
  cfg.dynamicSmemBytes = mma_smem_bytes<NT, S>();
  cfg.stream = stream;
  cudaLaunchAttribute attr[2];
  unsigned n_attr = 0;
  if (sm90) {  // programmatic dependent launch: overlap our start with the previous kernel's tail
    attr[n_attr].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[n_attr++].val.programmaticStreamSerializationAllowed = 1;
  }
  if (S > 1) {
    attr[n_attr].id = cudaLaunchAttributeClusterDimension;
    attr[n_attr].val.clusterDim.x = S;
    attr[n_attr].val.clusterDim.y = 1;
    attr[n_attr++].val.clusterDim.z = 1;
  }
  cfg.attrs = attr;
  cfg.numAttrs = n_attr;
  OCT_CUDA_CHECK(cudaLaunchKernelEx(&cfg, gemv_s8_mma_kernel<NT, S>, p));
  OCT_CUDA_CHECK_LAUNCH("gemv_s8_mma_kernel");
}

// OCTET_GEMV_VARIANT (see the top of this file); anything but 0..2 means the default.
constexpr int kDefaultVariant = 2;
int gemv_variant() {
  static const int v = [] {
    const char* e = std::getenv("OCTET_GEMV_VARIANT");
    const int x = e != nullptr ? std::atoi(e) : kDefaultVariant;
    return x >= 0 && x <= 2 ? x : kDefaultVariant;
  }();
  return v;
}

}  // namespace

void run_gemv(const GemmS8Problem& p, cudaStream_t stream) {
  static_assert(kGemvMaxM <= 16, "the tensor-core variants take two token tiles");
  const int variant = gemv_variant();
  if (variant == 0) {
    if (p.m <= 1) return launch<1>(p, stream);
    if (p.m <= 2) return launch<2>(p, stream);
    if (p.m <= 4) return launch<4>(p, stream);
    if (p.m <= 8) return launch<8>(p, stream);
    return launch<kGemvMaxM>(p, stream);
  }
  int device = 0, major = 0;
  OCT_CUDA_CHECK(cudaGetDevice(&device));
  OCT_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  const bool sm90 = major >= 9;
  if (variant == 2 && sm90)
    return p.m <= 8 ? launch_mma<1, 2>(p, sm90, stream) : launch_mma<2, 2>(p, sm90, stream);
  return p.m <= 8 ? launch_mma<1, 1>(p, sm90, stream) : launch_mma<2, 1>(p, sm90, stream);
}

}  // namespace octet::cuda::int8_gemm
