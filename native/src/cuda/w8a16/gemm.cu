// W8A16 for larger M (prefill): a tensor-core GEMM (mma.sync.m16n8k16, sm_80 and newer) whose
// weight tiles travel as int8 all the way into shared memory and become fp16/bf16 only in
// registers, as the mma's B fragments; no fp16 copy of the weight ever exists in memory.
//
// Block tile BM x BN x 64 (BM = 64 WM, BN = 32 WN; a warp computes 64 x 32), a 4-stage cp.async
// pipeline of x tiles (fp16/bf16, rows padded by 16 bytes against bank conflicts), int8 weight
// tiles and, per group, the chunk's scales. Per 64-wide chunk a lane reads its weight operand
// with one 16-byte shared load per 8 output features, converts it once, and reuses it for the
// warp's four 16-row x tiles (K permutation: w8a16.cuh). Per channel, the fp32 accumulators see
// the whole K and the scale is applied in the epilogue; per group, each chunk's mma result is
// scaled and added to them.

#include "cuda/common/async_copy.cuh"
#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/w8a16/w8a16.cuh"

namespace octet::cuda::w8a16 {
namespace {

constexpr int kStages = 4;
constexpr int kRowBytesA = kChunk * 2 + 16;  // one x row of a tile: 64 halves + 16 bytes pad

__device__ __forceinline__ void lds128(uint32_t* r, const unsigned char* p) {
  const uint4 v = *reinterpret_cast<const uint4*>(p);
  r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
}

template <int WM, int WN>
struct Tile {
  static constexpr int kThreads = 32 * WM * WN;
  static constexpr int BM = 64 * WM, BN = 32 * WN;
  static constexpr int kBytesA = BM * kRowBytesA, kBytesB = BN * kChunk, kBytesS = BN * 4;
  static constexpr int kStageBytes = kBytesA + kBytesB + kBytesS;
  static constexpr int kSmemBytes = kStages * kStageBytes;
};

template <typename T, int WM, int WN, bool kPerGroup>
__global__ void __launch_bounds__(Tile<WM, WN>::kThreads) gemm_kernel(Problem p) {
  using Cfg = Tile<WM, WN>;
  constexpr int BM = Cfg::BM, BN = Cfg::BN, kThreads = Cfg::kThreads;
  extern __shared__ __align__(16) unsigned char smem[];

  if (!gate_open(p)) return;  // (launched without PDL: the previous kernel has completed)
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
  const int warp_m = warp / WN, warp_n = warp % WN;
  const int n0 = blockIdx.x * BN, m0 = blockIdx.y * BM;
  const T* x = static_cast<const T*>(p.x);
  const int chunks = (p.k + kChunk - 1) / kChunk;

  auto stage_a = [&](int s) { return smem + s * Cfg::kStageBytes; };
  auto stage_b = [&](int s) { return smem + s * Cfg::kStageBytes + Cfg::kBytesA; };
  auto stage_s = [&](int s) {
    return reinterpret_cast<float*>(smem + s * Cfg::kStageBytes + Cfg::kBytesA + Cfg::kBytesB);
  };

  auto load_stage = [&](int s, int c) {
    const int k0 = c * kChunk;
    unsigned char* a = stage_a(s);
#pragma unroll
    for (int i = 0; i < BM * 8 / kThreads; ++i) {  // 8 x 16 bytes per x row
      const int idx = tid + i * kThreads, row = idx >> 3, seg = idx & 7;
      const int gm = m0 + row, gk = k0 + seg * 8;
      const bool ok = gm < p.m && gk < p.k;
      cp_async16(a + row * kRowBytesA + seg * 16,
                 ok ? static_cast<const void*>(x + static_cast<int64_t>(gm) * p.k + gk) : p.x, ok);
    }
    unsigned char* b = stage_b(s);
#pragma unroll
    for (int i = 0; i < BN * 4 / kThreads; ++i) {  // 4 x 16 bytes per weight row
      const int idx = tid + i * kThreads, row = idx >> 2, seg = idx & 3;
      const int gn = n0 + row, gk = k0 + seg * 16;
      const bool ok = gn < p.n && gk < p.k;
      cp_async16(b + row * kChunk + seg * 16,
                 ok ? static_cast<const void*>(p.q + static_cast<int64_t>(gn) * p.k + gk) : p.q, ok);
    }
    if constexpr (kPerGroup) {
      if (tid < BN) {
        const int gn = n0 + tid;
        const bool ok = gn < p.n;
        cp_async4(stage_s(s) + tid,
                  ok ? p.scales + static_cast<int64_t>(gn) * p.groups + k0 / p.group_size
                     : p.scales,
                  ok);
      }
    }
  };

  float acc[4][4][4];
#pragma unroll
  for (int mt = 0; mt < 4; ++mt)
#pragma unroll
    for (int nt = 0; nt < 4; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mt][nt][i] = 0.0f;

#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < chunks) load_stage(s, s);
    cp_async_commit();
  }

  for (int c = 0; c < chunks; ++c) {
    cp_async_wait<kStages - 2>();
    __syncthreads();  // chunk c is in; everyone is done with chunk c - 1's slot
    {
      const int next = c + kStages - 1;
      if (next < chunks) load_stage(next % kStages, next);
      cp_async_commit();
    }
    const int s = c % kStages;
    const unsigned char* a_tile = stage_a(s) + (warp_m * 64 + g) * kRowBytesA + 32 * t;
    const unsigned char* b_tile = stage_b(s) + (warp_n * 32 + g) * kChunk + 16 * t;

    // B fragments of all four k16 steps, converted once, reused by the four x tiles.
    uint32_t bf[4][4][2];
#pragma unroll
    for (int nt = 0; nt < 4; ++nt) {
      uint32_t raw[4];
      lds128(raw, b_tile + nt * 8 * kChunk);
#pragma unroll
      for (int j = 0; j < 4; ++j) Int8x4<T>::convert(raw[j], bf[nt][j][0], bf[nt][j][1]);
    }
    float sc[4][2];
    if constexpr (kPerGroup) {
      const float* st = stage_s(s) + warp_n * 32 + 2 * t;
#pragma unroll
      for (int nt = 0; nt < 4; ++nt) sc[nt][0] = st[nt * 8], sc[nt][1] = st[nt * 8 + 1];
    }
#pragma unroll
    for (int mt = 0; mt < 4; ++mt) {
      uint32_t lo[8], hi[8];  // halves 16t..16t+15 of x rows g and g + 8
      const unsigned char* ap = a_tile + mt * 16 * kRowBytesA;
      lds128(lo, ap);
      lds128(lo + 4, ap + 16);
      lds128(hi, ap + 8 * kRowBytesA);
      lds128(hi + 4, ap + 8 * kRowBytesA + 16);
      float part[4][4];
      if constexpr (kPerGroup) {
#pragma unroll
        for (int nt = 0; nt < 4; ++nt)
#pragma unroll
          for (int i = 0; i < 4; ++i) part[nt][i] = 0.0f;
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t a[4] = {lo[2 * j], hi[2 * j], lo[2 * j + 1], hi[2 * j + 1]};
#pragma unroll
        for (int nt = 0; nt < 4; ++nt)
          Mma<T>::run(kPerGroup ? part[nt] : acc[mt][nt], a, bf[nt][j][0], bf[nt][j][1]);
      }
      if constexpr (kPerGroup) {
#pragma unroll
        for (int nt = 0; nt < 4; ++nt) {
          acc[mt][nt][0] = fmaf(sc[nt][0], part[nt][0], acc[mt][nt][0]);
          acc[mt][nt][1] = fmaf(sc[nt][1], part[nt][1], acc[mt][nt][1]);
          acc[mt][nt][2] = fmaf(sc[nt][0], part[nt][2], acc[mt][nt][2]);
          acc[mt][nt][3] = fmaf(sc[nt][1], part[nt][3], acc[mt][nt][3]);
        }
      }
    }
  }
  cp_async_wait<0>();  // nothing real is in flight here; leave no copy behind the block's exit

  // Epilogue: per-channel scale, bias, one rounding. acc[mt][nt][i]: row g (+8 for i >= 2),
  // column 2t (+1 for odd i) of the 16 x 8 tile.
  T* out = static_cast<T*>(p.out);
  const T* bias = static_cast<const T*>(p.bias);
#pragma unroll
  for (int nt = 0; nt < 4; ++nt) {
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int n = n0 + warp_n * 32 + nt * 8 + 2 * t + e;
      if (n >= p.n) continue;
      const float s = kPerGroup ? 1.0f : p.scales[n];
      const float b = bias != nullptr ? from_in<T>(bias[n]) : 0.0f;
#pragma unroll
      for (int mt = 0; mt < 4; ++mt) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int m = m0 + warp_m * 64 + mt * 16 + g + 8 * h;
          if (m >= p.m) continue;
          float v = acc[mt][nt][2 * h + e];
          if constexpr (!kPerGroup) v *= s;
          out[static_cast<int64_t>(m) * p.n + n] = to_out<T>(v + b);
        }
      }
    }
  }
}

template <typename T, int WM, int WN, bool kPerGroup>
void launch(const Problem& p, int device, cudaStream_t stream) {
  using Cfg = Tile<WM, WN>;
  const dim3 grid(static_cast<unsigned>((p.n + Cfg::BN - 1) / Cfg::BN),
                  static_cast<unsigned>((p.m + Cfg::BM - 1) / Cfg::BM));
  if (grid.y > 65535)
    fail(OCT_STATUS_NOT_SUPPORTED, "w8a16: M = %d needs more than 65535 row tiles", p.m);
  opt_in_smem<gemm_kernel<T, WM, WN, kPerGroup>>(device, Cfg::kSmemBytes);
  gemm_kernel<T, WM, WN, kPerGroup><<<grid, Cfg::kThreads, Cfg::kSmemBytes, stream>>>(p);
  OCT_CUDA_CHECK_LAUNCH("w8a16 gemm_kernel");
}

template <typename T, int WM, int WN>
void launch(const Problem& p, int device, cudaStream_t stream) {
  if (p.groups > 1)
    launch<T, WM, WN, true>(p, device, stream);
  else
    launch<T, WM, WN, false>(p, device, stream);
}

// Fraction of the GPU's block slots the last wave leaves busy, one block per SM assumed.
double wave_efficiency(int64_t blocks, int sm_count) {
  const int64_t waves = (blocks + sm_count - 1) / sm_count;
  return static_cast<double>(blocks) / static_cast<double>(waves * sm_count);
}

}  // namespace

// Tile choice: the largest tile (most reuse per loaded byte) whose grid fills the GPU's SMs to
// at least 80% in its last wave; else the smallest, which makes the most blocks.
template <typename T>
void launch_gemm(const Problem& p, int device, int sm_count, cudaStream_t stream) {
  auto blocks = [&](int bm, int bn) {
    return static_cast<int64_t>((p.m + bm - 1) / bm) * ((p.n + bn - 1) / bn);
  };
  if (wave_efficiency(blocks(128, 128), sm_count) >= 0.8)
    launch<T, 2, 4>(p, device, stream);
  else if (wave_efficiency(blocks(64, 128), sm_count) >= 0.8)
    launch<T, 1, 4>(p, device, stream);
  else
    launch<T, 1, 2>(p, device, stream);
}

template void launch_gemm<__half>(const Problem&, int, int, cudaStream_t);
template void launch_gemm<__nv_bfloat16>(const Problem&, int, int, cudaStream_t);

}  // namespace octet::cuda::w8a16
