// The int8 GEMM at decode sizes (small M) as a weight-streaming GEMV: the problem is bound by
// reading b ([N, K] int8) once, so each warp owns one output column n, its lanes stream the row
// b[n, :] with 16-byte loads (several in flight), multiply it with every row of a (tiny, served by
// L1/L2) through dp4a, reduce across the warp and apply the epilogue (with the source term c
// when the problem has one: LLM.int8(); at decode sizes the warp computes that outlier part
// itself from the gathered outlier columns, p.outlier_x). Deterministic (no atomics),
// no workspace, any GPU of sm_61 or newer. Needs the tensor-core alignment (K % 16 == 0, 16-byte
// aligned rows); dispatch.cu sends M <= kGemvMaxM here.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/common/check.cuh"
#include "cuda/common/types.cuh"
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

// The scaled epilogue of out[m, n] (all lanes call it; lane 0 stores), with the source term:
// read from c, or (LLM.int8() at decode sizes, p.outlier_x) computed here by the warp, the
// lanes taking every 32nd outlier column and a shuffle tree adding their fp32 sums (a fixed
// order: deterministic), rounded to out's dtype D as c would be.
template <oct_dtype_t D>
__device__ __forceinline__ void epilogue(const GemmS8Problem& p, int m, int64_t n, int lane,
                                         int acc, int outliers) {
  using T = typename Element<D>::type;
  const int64_t o = int64_t(m) * p.n + n;
  const float bs = p.b_scale[p.b_per_col ? n : 0];
  float src = 0.0f;
  const bool has_src = p.c != nullptr;
  if (p.outlier_x != nullptr) {
    const T* xr = static_cast<const T*>(p.outlier_x) + int64_t(m) * p.outlier_ld;
    const int8_t* br = p.b + n * p.k;
    float s = 0.0f;
    for (int i = lane; i < outliers; i += 32)
      s = fmaf(Element<D>::load(xr[i]), static_cast<float>(br[p.outlier_idx[i]]), s);
    for (int off = 16; off > 0; off >>= 1) s += __shfl_xor_sync(0xffffffffu, s, off);
    src = Element<D>::load(Element<D>::store(s * bs));
  } else if (has_src && lane == 0) {
    src = Element<D>::load(static_cast<const T*>(p.c)[o]);
  }
  if (lane != 0) return;
  const float as = p.a_scale[p.a_per_row ? m : 0];
  const float bias = p.bias ? Element<D>::load(static_cast<const T*>(p.bias)[n]) : 0.0f;
  const float y = has_src ? gemm_s8_epilogue_src(acc, as, bs, bias, src)
                          : gemm_s8_epilogue(acc, as, bs, bias);
  static_cast<T*>(p.out)[o] = Element<D>::store(y);
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

  const int outliers = p.outlier_x != nullptr ? *p.c_count : 0;
#pragma unroll
  for (int m = 0; m < kMaxM; ++m) {
    if (m >= m_count) break;
    int v = acc[m];
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    if (p.out_dtype == OCT_DTYPE_INT32) {
      if (lane == 0) static_cast<int32_t*>(p.out)[int64_t(m) * p.n + n] = v;
      continue;
    }
    if (p.out_dtype == OCT_DTYPE_FP16)
      epilogue<OCT_DTYPE_FP16>(p, m, n, lane, v, outliers);
    else
      epilogue<OCT_DTYPE_BF16>(p, m, n, lane, v, outliers);
  }
}

template <int kMaxM>
void launch(const GemmS8Problem& p, cudaStream_t stream) {
  const int64_t blocks = (p.n + kWarps - 1) / kWarps;
  if (blocks > 0x7fffffff) fail(OCT_STATUS_NOT_SUPPORTED, "N = %lld is too large", (long long)p.n);
  gemv_s8_kernel<kMaxM><<<static_cast<unsigned>(blocks), kWarps * 32, 0, stream>>>(p);
  OCT_CUDA_CHECK_LAUNCH("gemv_s8_kernel");
}

}  // namespace

void run_gemv(const GemmS8Problem& p, cudaStream_t stream) {
  if (p.m <= 1) return launch<1>(p, stream);
  if (p.m <= 2) return launch<2>(p, stream);
  if (p.m <= 4) return launch<4>(p, stream);
  if (p.m <= 8) return launch<8>(p, stream);
  return launch<kGemvMaxM>(p, stream);
}

}  // namespace octet::cuda::int8_gemm
