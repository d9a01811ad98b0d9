// W8A16 for small M (decode: M = 1..64): a memory-bound kernel that streams every int8 weight
// byte from HBM exactly once.
//
// A block owns 16 x MT output features (weight rows) and all of K, or with split-K its share of K;
// its 8 warps split that by 64-wide chunks (interleaved). Per chunk a lane loads 16 int8 of
// weight rows g and g + 8 of each 16-row tile (16-byte loads that skip L1) and 16 halves of
// activation row g of each 8-token tile (these hit L1/L2: x is small and every block reads it),
// converts the int8 to exact fp16/bf16 in registers and runs four mma.sync.m16n8k16 per (row
// tile, token tile), the weight as the 16-row A operand and the tokens as the 8-column B operand
// (see w8a16.cuh for the K permutation that makes the loads contiguous). Each lane keeps U
// chunks' loads in flight. The 8 warps' fp32 partial sums meet in shared memory and are added in
// a fixed order; with split-K the blocks of a cluster (sm90) then add their partial sums through
// distributed shared memory, again in a fixed order (rank 0's first). Results are deterministic,
// with no atomics and no workspace.
//
// Variants for M <= 16 (OCTET_SKINNY_VARIANT, read once per process; M = 17..64 always runs the
// 16-row register kernel with 4 or 8 token tiles). Per (M <= 8 | M = 9..16) the configuration
// <token tiles NT, row tiles MT, chunks in flight per lane U or D, split-K S>:
//   0  skinny_kernel <1,1,U=4,1> | <2,1,U=2,1>: one block per 16 rows and all of K (the version
//      measured first): N/16 blocks (256 at N = 4096, ~2 per SM), each warp 2+ rounds of "issue
//      U chunks, wait, compute".
//   1  skinny_kernel <1,1,U=4,2> | <2,2,U=2,2>: split-K over a 2-block cluster. At M <= 8 that is
//      N/8 blocks (512 at N = 4096, ~4 per SM: at K = 4096 a warp owns 4 chunks, the whole
//      weight is requested in one round); at M = 9..16 a cluster owns 32 rows and each x
//      fragment feeds two row tiles (half the x traffic per weight byte), N/16 blocks.
//   2  skinny_async_kernel <1,1,D=5,2> | <2,2,D=2,2> (the default): variant 1's grid with the
//      weight stream through cp.async into a per-warp ring of D chunks (D chunks in flight per
//      lane at every moment, whatever registers ptxas allocates).
//   3  skinny_async_kernel <1,1,D=5,1> | <2,1,D=5,1>: the ring without clusters (any sm_80+):
//      tells the ring's effect from split-K's.
// Without cluster launch (compute capability below 9.0) variant 1 runs 0 and variant 2 runs 3.
#include <cooperative_groups.h>

#include <cstdlib>

#include "cuda/common/check.cuh"
#include "cuda/w8a16/w8a16.cuh"

namespace octet::cuda::w8a16 {
namespace {

constexpr int kWarps = 8;  // warps splitting K within a block
constexpr int kRows = 16;  // weight rows per row tile (the mma's M)

__device__ __forceinline__ void load_weights(uint32_t (&r)[4], const int8_t* p) {
  asm("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
      : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
      : "l"(p));
}

__device__ __forceinline__ void load_acts(uint32_t (&r)[4], const void* p) {
  const uint4 v = __ldg(static_cast<const uint4*>(p));
  r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
}

// The deterministic reduction over the warps (and the cluster's blocks), then scale, bias and
// the one rounding. red: kWarps x kVals floats, sum (S > 1): kVals floats, both shared memory.
// Value r = (mt NT + nt) 4 + i of lane l is output row row0 + 16 mt + l / 4 (+ 8 for i >= 2),
// token 8 nt + 2 (l % 4) + i % 2.
template <typename T, int NT, int MT, int S, bool kPerGroup>
__device__ __forceinline__ void reduce_store(const Problem& p, const float (&acc)[MT][NT][4],
                                             int row0, int rank, float* red, float* sum) {
  constexpr int kVals = MT * NT * 4 * 32;  // accumulator values of a warp
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i)
        red[warp * kVals + ((mt * NT + nt) * 4 + i) * 32 + lane] = acc[mt][nt][i];
  __syncthreads();

  auto finish = [&](int idx, float v) {
    const int r = idx >> 5, l = idx & 31, i = r & 3, nt = (r >> 2) % NT, mt = (r >> 2) / NT;
    const int n = row0 + mt * kRows + (l >> 2) + (i >= 2 ? 8 : 0);
    const int m = nt * 8 + 2 * (l & 3) + (i & 1);
    if (n >= p.n || m >= p.m) return;
    if constexpr (!kPerGroup) v *= p.scales[n];
    if (p.bias != nullptr) v += from_in<T>(static_cast<const T*>(p.bias)[n]);
    static_cast<T*>(p.out)[static_cast<int64_t>(m) * p.n + n] = to_out<T>(v);
  };
  if constexpr (S == 1) {
    for (int idx = threadIdx.x; idx < kVals; idx += blockDim.x) {
      float v = 0.0f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) v += red[w * kVals + idx];
      finish(idx, v);
    }
  } else {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    for (int idx = threadIdx.x; idx < kVals; idx += blockDim.x) {  // this block's partial sums
      float v = 0.0f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) v += red[w * kVals + idx];
      sum[idx] = v;
    }
    namespace cg = cooperative_groups;
    cg::cluster_group cluster = cg::this_cluster();
    cluster.sync();
    // Block `rank` finishes its 1/S of the outputs, adding the S partial sums in rank order.
    constexpr int kShare = kVals / S;
    for (int idx = rank * kShare + threadIdx.x; idx < (rank + 1) * kShare; idx += blockDim.x) {
      float v = 0.0f;
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

// NT: 8-token column tiles (M <= 8 NT). MT: 16-row tiles per block. U: chunks whose loads are in
// flight together per lane. S: blocks of a cluster splitting K (1 = no cluster). kPerGroup:
// scales [N, groups] with group % 64 == 0.
template <typename T, int NT, int MT, int U, int S, bool kPerGroup>
__global__ void __launch_bounds__(kWarps * 32) skinny_kernel(Problem p) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int rank = S == 1 ? 0 : static_cast<int>(blockIdx.x % S);  // cluster dims (S, 1, 1)
  const int row0 = static_cast<int>(blockIdx.x / S) * kRows * MT;
  int n_lo[MT], n_hi[MT];
  bool ok_lo[MT], ok_hi[MT];
  const int8_t *q_lo[MT], *q_hi[MT];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    n_lo[mt] = row0 + mt * kRows + g, n_hi[mt] = n_lo[mt] + 8;
    ok_lo[mt] = n_lo[mt] < p.n, ok_hi[mt] = n_hi[mt] < p.n;
    q_lo[mt] = p.q + static_cast<int64_t>(ok_lo[mt] ? n_lo[mt] : 0) * p.k + 16 * t;
    q_hi[mt] = p.q + static_cast<int64_t>(ok_hi[mt] ? n_hi[mt] : 0) * p.k + 16 * t;
  }
  const T* x = static_cast<const T*>(p.x);
  const int chunks = (p.k + kChunk - 1) / kChunk;
  constexpr int kStride = kWarps * S;  // between a warp's consecutive chunks

  // Under programmatic dependent launch (sm90, see launch()) the block may start while the
  // previous kernel on the stream finishes: every load and store comes after this wait. (An L2
  // prefetch of the weight slice before it was measured slower: 11.0 vs 9.2 us at M = 2.)
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif

  float acc[MT][NT][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mt][nt][i] = 0.0f;

  for (int c0 = rank * kWarps + warp; c0 < chunks; c0 += kStride * U) {
    uint32_t wl[U][MT][4], wh[U][MT][4], xa[U][NT][8];
    float sl[U][MT], sh[U][MT];
    // Issue every load of the U chunks before the first use.
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int c = c0 + u * kStride;
      const int k = c * kChunk + 16 * t;
      const bool kin = c < chunks && k < p.k;  // K % 16 == 0: a lane's 16 inputs are all in or out
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int i = 0; i < 4; ++i) wl[u][mt][i] = wh[u][mt][i] = 0u;
        if (kin && ok_lo[mt]) load_weights(wl[u][mt], q_lo[mt] + c * kChunk);
        if (kin && ok_hi[mt]) load_weights(wh[u][mt], q_hi[mt] + c * kChunk);
        if constexpr (kPerGroup) {
          const int grp = (c * kChunk) / p.group_size;
          sl[u][mt] = (c < chunks && ok_lo[mt])
                          ? __ldg(p.scales + static_cast<int64_t>(n_lo[mt]) * p.groups + grp)
                          : 0.0f;
          sh[u][mt] = (c < chunks && ok_hi[mt])
                          ? __ldg(p.scales + static_cast<int64_t>(n_hi[mt]) * p.groups + grp)
                          : 0.0f;
        }
      }
#pragma unroll
      for (int nt = 0; nt < NT; ++nt) {
        const int m = nt * 8 + g;
#pragma unroll
        for (int i = 0; i < 8; ++i) xa[u][nt][i] = 0u;
        if (kin && m < p.m) {
          const T* xp = x + static_cast<int64_t>(m) * p.k + k;
          load_acts(*reinterpret_cast<uint32_t(*)[4]>(&xa[u][nt][0]), xp);
          load_acts(*reinterpret_cast<uint32_t(*)[4]>(&xa[u][nt][4]), xp + 8);
        }
      }
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      float part[MT][NT][4];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int nt = 0; nt < NT; ++nt)
#pragma unroll
          for (int i = 0; i < 4; ++i) part[mt][nt][i] = 0.0f;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          uint32_t a[4];  // a0a1: row g, a2a3: row g + 8, a4a5 / a6a7: their second k pair
          Int8x4<T>::convert(wl[u][mt][j], a[0], a[2]);
          Int8x4<T>::convert(wh[u][mt][j], a[1], a[3]);
#pragma unroll
          for (int nt = 0; nt < NT; ++nt)
            Mma<T>::run(kPerGroup ? part[mt][nt] : acc[mt][nt], a, xa[u][nt][2 * j],
                        xa[u][nt][2 * j + 1]);
        }
      }
      if constexpr (kPerGroup) {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
            acc[mt][nt][0] = fmaf(sl[u][mt], part[mt][nt][0], acc[mt][nt][0]);
            acc[mt][nt][1] = fmaf(sl[u][mt], part[mt][nt][1], acc[mt][nt][1]);
            acc[mt][nt][2] = fmaf(sh[u][mt], part[mt][nt][2], acc[mt][nt][2]);
            acc[mt][nt][3] = fmaf(sh[u][mt], part[mt][nt][3], acc[mt][nt][3]);
          }
      }
    }
  }

  // Our weight reads are done: the next kernel (if launched with programmatic dependent launch)
  // may start its blocks and its own prefetch; it still waits for our completion before it
  // reads anything we write.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
  __shared__ float red[kWarps * MT * NT * 4 * 32];
  __shared__ float sum[S > 1 ? MT * NT * 4 * 32 : 1];
  reduce_store<T, NT, MT, S, kPerGroup>(p, acc, row0, rank, red, sum);
}

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

// Shared memory of skinny_async_kernel: the weight ring (D chunks x 2 MT 16-byte pieces per lane
// of each warp), reused after the main loop for the warps' partial sums, then the block's sums
// (S > 1).
template <int NT, int MT, int D, int S> __host__ __device__ constexpr int async_smem_bytes() {
  constexpr int ring = kWarps * D * 2 * MT * 32 * 16;
  constexpr int red = kWarps * MT * NT * 4 * 32 * 4;
  return (ring > red ? ring : red) + (S > 1 ? MT * NT * 4 * 32 * 4 : 0);
}

// The same computation with the weight stream through cp.async (16 bytes per lane, L2 only) into
// a per-warp ring of D chunks in shared memory: D chunks stay in flight per lane at every moment
// of the main loop (a continuous stream instead of rounds of U register loads, and no registers
// held by loads in flight). Each lane reads back only the bytes it copied itself, so the warps
// never synchronise before the reduction. x (and per-group scales) are register loads one chunk
// ahead.
template <typename T, int NT, int MT, int D, int S, bool kPerGroup>
__global__ void __launch_bounds__(kWarps * 32) skinny_async_kernel(Problem p) {
  extern __shared__ uint4 smem[];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int rank = S == 1 ? 0 : static_cast<int>(blockIdx.x % S);  // cluster dims (S, 1, 1)
  const int row0 = static_cast<int>(blockIdx.x / S) * kRows * MT;
  int n_lo[MT], n_hi[MT];
  bool ok_lo[MT], ok_hi[MT];
  const int8_t *q_lo[MT], *q_hi[MT];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    n_lo[mt] = row0 + mt * kRows + g, n_hi[mt] = n_lo[mt] + 8;
    ok_lo[mt] = n_lo[mt] < p.n, ok_hi[mt] = n_hi[mt] < p.n;
    q_lo[mt] = p.q + static_cast<int64_t>(ok_lo[mt] ? n_lo[mt] : 0) * p.k + 16 * t;
    q_hi[mt] = p.q + static_cast<int64_t>(ok_hi[mt] ? n_hi[mt] : 0) * p.k + 16 * t;
  }
  const T* x = static_cast<const T*>(p.x);
  const int chunks = (p.k + kChunk - 1) / kChunk;
  constexpr int kStride = kWarps * S;  // between a warp's consecutive chunks
  const int first = rank * kWarps + warp;
  const int mine = first < chunks ? (chunks - 1 - first) / kStride + 1 : 0;
  uint4* ring = smem + warp * (D * 2 * MT * 32) + lane;  // piece j of slot s: ring[(s 2 MT + j) 32]

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif

  // Chunk i of this warp into slot i % D; one commit group per chunk, empty past the end, so
  // that wait_group<D - 1> always means "chunk i has landed".
  auto issue = [&](int i) {
    const int c = first + i * kStride;
    if (i < mine && c * kChunk + 16 * t < p.k) {
      uint4* dst = ring + (i % D) * 2 * MT * 32;
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        if (ok_lo[mt]) cp_async16(dst + (2 * mt) * 32, q_lo[mt] + c * kChunk);
        if (ok_hi[mt]) cp_async16(dst + (2 * mt + 1) * 32, q_hi[mt] + c * kChunk);
      }
    }
    cp_async_commit();
  };
  // x (and the per-group scales) of chunk i into registers.
  auto load_x = [&](int i, uint32_t (&xa)[NT][8], float (&sl)[MT], float (&sh)[MT]) {
    const int c = first + i * kStride;
    const int k = c * kChunk + 16 * t;
    const bool kin = i < mine && k < p.k;
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const int m = nt * 8 + g;
#pragma unroll
      for (int j = 0; j < 8; ++j) xa[nt][j] = 0u;
      if (kin && m < p.m) {
        const T* xp = x + static_cast<int64_t>(m) * p.k + k;
        load_acts(*reinterpret_cast<uint32_t(*)[4]>(&xa[nt][0]), xp);
        load_acts(*reinterpret_cast<uint32_t(*)[4]>(&xa[nt][4]), xp + 8);
      }
    }
    if constexpr (kPerGroup) {
      const int grp = (c * kChunk) / p.group_size;
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        sl[mt] = (i < mine && ok_lo[mt])
                     ? __ldg(p.scales + static_cast<int64_t>(n_lo[mt]) * p.groups + grp) : 0.0f;
        sh[mt] = (i < mine && ok_hi[mt])
                     ? __ldg(p.scales + static_cast<int64_t>(n_hi[mt]) * p.groups + grp) : 0.0f;
      }
    }
  };

  float acc[MT][NT][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mt][nt][i] = 0.0f;

#pragma unroll
  for (int i = 0; i < D - 1; ++i) issue(i);
  uint32_t xa[NT][8];
  float sl[MT], sh[MT];
  load_x(0, xa, sl, sh);
  for (int i = 0; i < mine; ++i) {
    issue(i + D - 1);
    uint32_t xn[NT][8];  // the next chunk's x, in flight during this one's math
    float sln[MT], shn[MT];
    load_x(i + 1, xn, sln, shn);
    cp_async_wait<D - 1>();
    const bool kin = (first + i * kStride) * kChunk + 16 * t < p.k;
    const uint4* src = ring + (i % D) * 2 * MT * 32;
    float part[MT][NT][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int nt = 0; nt < NT; ++nt)
#pragma unroll
        for (int j = 0; j < 4; ++j) part[mt][nt][j] = 0.0f;
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
      const uint4 zero = make_uint4(0u, 0u, 0u, 0u);
      const uint4 lo = kin && ok_lo[mt] ? src[(2 * mt) * 32] : zero;
      const uint4 hi = kin && ok_hi[mt] ? src[(2 * mt + 1) * 32] : zero;
      const uint32_t wl[4] = {lo.x, lo.y, lo.z, lo.w}, wh[4] = {hi.x, hi.y, hi.z, hi.w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        uint32_t a[4];
        Int8x4<T>::convert(wl[j], a[0], a[2]);
        Int8x4<T>::convert(wh[j], a[1], a[3]);
#pragma unroll
        for (int nt = 0; nt < NT; ++nt)
          Mma<T>::run(kPerGroup ? part[mt][nt] : acc[mt][nt], a, xa[nt][2 * j], xa[nt][2 * j + 1]);
      }
    }
    if constexpr (kPerGroup) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
          acc[mt][nt][0] = fmaf(sl[mt], part[mt][nt][0], acc[mt][nt][0]);
          acc[mt][nt][1] = fmaf(sl[mt], part[mt][nt][1], acc[mt][nt][1]);
          acc[mt][nt][2] = fmaf(sh[mt], part[mt][nt][2], acc[mt][nt][2]);
          acc[mt][nt][3] = fmaf(sh[mt], part[mt][nt][3], acc[mt][nt][3]);
        }
    }
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int j = 0; j < 8; ++j) xa[nt][j] = xn[nt][j];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) sl[mt] = sln[mt], sh[mt] = shn[mt];
  }
  cp_async_wait<0>();

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
  __syncthreads();  // the ring becomes the reduction buffer
  float* red = reinterpret_cast<float*>(smem);
  float* sum = reinterpret_cast<float*>(reinterpret_cast<char*>(smem) +
                                        async_smem_bytes<NT, MT, D, 1>());
  reduce_store<T, NT, MT, S, kPerGroup>(p, acc, row0, rank, red, sum);
}

// pdl: launch with programmatic stream serialization (sm90+): the kernel may begin while the
// previous kernel on the stream finishes; it waits (griddepcontrol.wait) for that kernel's
// completion and memory before any load or store. S > 1: clusters of S blocks (sm90+).
// kAsync: skinny_async_kernel with a ring of U chunks, else skinny_kernel with U chunks a round.
template <typename T, int NT, int MT, int U, int S, bool kAsync = false>
void launch(const Problem& p, bool pdl, cudaStream_t stream) {
  const unsigned tiles = static_cast<unsigned>((p.n + kRows * MT - 1) / (kRows * MT));
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(tiles * S);
  cfg.blockDim = dim3(kWarps * 32);
  cfg.dynamicSmemBytes = kAsync ? async_smem_bytes<NT, MT, U, S>() : 0;
  static_assert(async_smem_bytes<NT, MT, U, S>() <= 48 * 1024 || !kAsync,
                "the ring must fit the default dynamic shared memory limit (no opt-in needed)");
  cfg.stream = stream;
  cudaLaunchAttribute attr[2];
  unsigned n_attr = 0;
  if (pdl) {
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
  if constexpr (kAsync) {
    if (p.groups > 1)
      OCT_CUDA_CHECK(cudaLaunchKernelEx(&cfg, skinny_async_kernel<T, NT, MT, U, S, true>, p));
    else
      OCT_CUDA_CHECK(cudaLaunchKernelEx(&cfg, skinny_async_kernel<T, NT, MT, U, S, false>, p));
  } else {
    if (p.groups > 1)
      OCT_CUDA_CHECK(cudaLaunchKernelEx(&cfg, skinny_kernel<T, NT, MT, U, S, true>, p));
    else
      OCT_CUDA_CHECK(cudaLaunchKernelEx(&cfg, skinny_kernel<T, NT, MT, U, S, false>, p));
  }
  OCT_CUDA_CHECK_LAUNCH("w8a16 skinny_kernel");
}

// OCTET_SKINNY_VARIANT (see the top of this file); anything but 0..3 means the default.
constexpr int kDefaultVariant = 2;
int skinny_variant() {
  static const int v = [] {
    const char* e = std::getenv("OCTET_SKINNY_VARIANT");
    const int x = e != nullptr ? std::atoi(e) : kDefaultVariant;
    return x >= 0 && x <= 3 ? x : kDefaultVariant;
  }();
  return v;
}

}  // namespace

// Programmatic dependent launch only for M <= 8: measured on the H100 it saves ~0.3 us per call
// at (4096, 4096) and ~0.2 us at (11008, 4096) there, and costs 0.5-4.5 us at M = 17..32
// (docs/perf-notes-w8a16.md).
template <typename T>
void launch_skinny(const Problem& p, int cc_major, bool pdl, cudaStream_t stream) {
  int variant = skinny_variant();
  if (cc_major < 9 && (variant == 1 || variant == 2)) variant = variant == 2 ? 3 : 0;  // no clusters
  if (p.m <= 8) {
    switch (variant) {
      case 0: return launch<T, 1, 1, 4, 1>(p, pdl, stream);
      case 1: return launch<T, 1, 1, 4, 2>(p, pdl, stream);
      case 2: return launch<T, 1, 1, 5, 2, true>(p, pdl, stream);
      default: return launch<T, 1, 1, 5, 1, true>(p, pdl, stream);
    }
  }
  if (p.m <= 16) {
    switch (variant) {
      case 0: return launch<T, 2, 1, 2, 1>(p, false, stream);
      case 1: return launch<T, 2, 2, 2, 2>(p, false, stream);
      case 2: return launch<T, 2, 2, 2, 2, true>(p, false, stream);
      default: return launch<T, 2, 1, 5, 1, true>(p, false, stream);
    }
  }
  if (p.m <= 32)
    launch<T, 4, 1, 1, 1>(p, false, stream);
  else
    launch<T, 8, 1, 1, 1>(p, false, stream);
}

template void launch_skinny<__half>(const Problem&, int, bool, cudaStream_t);
template void launch_skinny<__nv_bfloat16>(const Problem&, int, bool, cudaStream_t);

}  // namespace octet::cuda::w8a16
