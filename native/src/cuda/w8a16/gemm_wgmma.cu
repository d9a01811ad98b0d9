// W8A16 prefill on Hopper (sm_90a) without CUTLASS: a wgmma GEMM of our own, for per-group
// scales above all (CUTLASS's mixed-input GEMM takes scales only in the activation type, which
// would round our fp32 scales), per channel at M = 65..256 where it beats CUTLASS's GEMM
// (wgmma_beats_sm90) and wherever CUTLASS is absent, and for the comparison.
//
// out^T = W . x^T, as the CUTLASS kernel computes it: wgmma's M is our N (features), its N our
// M (tokens). A = the int8 weight tile, read from shared memory into registers, converted to
// *exact* fp16/bf16 integers (|q| <= 127) and fed to wgmma as the register operand; B = the x
// tile in shared memory (128-byte swizzled, K-major), read by wgmma through a descriptor. Every
// product is exact and the tensor cores accumulate in fp32. Per group, the running sums are kept
// in units of the current group's fp32 scale: at a group's end they are multiplied by
// s[g] / s[g + 1], so the next group's products accumulate into the same registers, and the
// epilogue multiplies by the last scale, as per channel by the one scale (the conditions, and the
// exact fallback, at wgmma_kernel). (A second set of accumulators per group, scaled and added,
// would take kBT / 2 more registers per thread, which a 256-token tile cannot spare.)
//
// CTA: 128 features x kBT tokens (128, or 256 for large grids: launch), 384 threads: two consumer
// warpgroups (64 features each, wgmma.m64n<kBT>k16) and a producer warpgroup that gives its
// registers to them (setmaxnreg) and whose first lane loads each 64-wide K step's tiles with TMA
// (x: kBT x 64 fp16/bf16, 128-byte swizzle; W: 128 x 64 int8, 64-byte swizzle, so the consumers'
// 2-byte shared loads (LDS) of their fragments are conflict-free) into a ring of kStages stages
// guarded by "full" (transaction count) and "empty" (one arrival per consumer warp) mbarriers.
// Out-of-range rows and K are zero-filled by TMA. Each consumer warpgroup prepares the next K
// step's fragments while the current step's wgmma run (two fragment buffers). Per group of 64
// or 128 the sums are two halves of kBT / 2 tokens (wgmma.m64n<kBT/2>k16 on the same
// fragments), rescaled one after the other while the other half's wgmma run, in a main loop of
// 8 K steps unrolled (the split main loop, at wgmma_kernel); per channel, and per group of other
// sizes, one set, the warpgroup's wgmma drained at each group's end before the rescaling.
// Epilogue: through shared memory (the stages' memory), 16-byte stores of whole rows of out.
// Where the grid fills few SMs, K is split over a cluster of CTAs per tile (2 or 3 on the
// 128-token tile, 2 on the 256-token one): the other ranks hand their scaled sums to rank 0
// through distributed shared memory, added in rank order. Where a grid's last round of the SMs
// is partly filled, its tiles go in two launches: the full rounds, then the rest on 128-token
// tiles, split so where that pays. The token tile, the split and the tail: wgmma_plan
// (plan_wgmma.hpp). No workspace, no atomics: deterministic; launched with PDL (as Hopper's other
// W8A16 kernels, and always behind LLM.int8()'s gate); graph capturable (the tensor maps travel
// by value in the kernel parameters).
#include <cuda.h>
#include <cudaTypedefs.h>

#include <atomic>
#include <cfloat>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/common/pdl.cuh"
#include "cuda/w8a16/w8a16.cuh"

namespace octet::cuda::w8a16 {
namespace {

constexpr int kBK = kWgmmaBK;                // K per stage
constexpr int kMaxSplits = kWgmmaMaxSplits;  // CTAs of a cluster sharing a tile (split along K)
constexpr int kBN = kWgmmaBN;                // features per CTA (two warpgroups x 64)
constexpr int kStages = 4;       // 4, 5, 6 and 8 measured alike on the H100 (perf notes)
constexpr int kConsumers = 256;  // two warpgroups
constexpr int kThreads = kConsumers + 128;  // + the producer warpgroup (one thread works)
constexpr int kWBytes = kBN * kBK;
constexpr int kEpiRow = 64 * 2 + 16;  // one token's 64 features of a warpgroup, padded

// The CTA's token count (wgmma's N): 128, or 256 where the grid of 256-token tiles fills the
// SMs (launch): each weight fragment then feeds twice the tokens per conversion.
template <int kBT>
struct Tile {
  static constexpr int kAcc = kBT / 2;  // fp32 accumulators per thread (64 rows x kBT / 128)
  static constexpr int kXBytes = kBT * kBK * 2;
  // A multiple of 1024: every stage's swizzle atoms stay aligned.
  static constexpr int kStageBytes = kXBytes + kWBytes;
  static constexpr int kEpiBytes = 2 * kBT * kEpiRow;  // the epilogue reuses the stages' memory
  static_assert(kStageBytes % 1024 == 0 && kStages * kStageBytes >= kEpiBytes, "stage layout");
  static_assert(kAcc * 128 == 64 * kBT && (kBT == 128 || kBT == 256), "wgmma n128 or n256");
  // Split along K (launch): rank r > 0 of a cluster leaves its fp32 partial sums in its stages'
  // memory, one word per accumulator and consumer thread.
  static_assert(kStages * kStageBytes >= kAcc * kConsumers * 4, "partial sums");
  // + 1024 for aligning the base, + the full and empty barriers, the split's two barriers and flag.
  static constexpr int kSmemBytes = 1024 + kStages * kStageBytes + 2 * kStages * 8 + 24;
};

struct Args {
  CUtensorMap x_map;  // x [M, K]: box 64 (K) x kBT (tokens), 128-byte swizzle
  CUtensorMap w_map;  // q [N, K]: box 64 (K) x 128 (features), 64-byte swizzle
  Problem p;
  // The launch's tiles (launch): CTA b takes tile tile0 + b / sub of the grid of kBT * sub-token
  // tiles (feature tile fastest, n_tiles per token tile), and in it the b % sub-th kBT tokens.
  int n_tiles, tile0, sub;
};

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)

// Split along K: gridDim.z CTAs, a cluster, share an output tile; rank r takes K steps (per group:
// whole groups) [first(r), first(r + 1)) of `units` (groups, or steps per channel).
__device__ __forceinline__ int split_first(int units, int rank, int splits) {
  return static_cast<int>(static_cast<int64_t>(units) * rank / splits);
}

__device__ __forceinline__ uint32_t smem_u32(const void* ptr) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(ptr));
}
// A 2-byte shared-memory load at a 32-bit shared address: LDS with an immediate offset. (Through
// a generic pointer into the stages these compiled to generic loads with 64-bit address
// arithmetic: 10-12% of the per-group kernel's time, H100, perf-notes-w8a16.md.)
__device__ __forceinline__ uint32_t lds_u16(uint32_t addr) {
  uint32_t v;
  asm volatile("ld.shared.u16 %0, [%1];" : "=r"(v) : "r"(addr));
  return v;
}
__device__ __forceinline__ void mbar_init(uint64_t* bar, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(smem_u32(bar)), "r"(count));
}
// Waits until phase `parity` of the barrier has completed; kCluster: with acquire semantics at
// cluster scope (the split's hand-offs, arrived on from other CTAs of the cluster).
#define OCT_TRY_WAIT(SEM)                                                                    \
  "{\n.reg .pred p;\nmbarrier.try_wait.parity" SEM ".shared::cta.b64 p, [%1], %2;\n"         \
  "selp.u32 %0, 1, 0, p;\n}\n"
template <bool kCluster = false>
__device__ __forceinline__ void mbar_wait(uint64_t* bar, uint32_t parity) {
  const uint32_t addr = smem_u32(bar);
  uint32_t done = 0;
  do {
    if constexpr (kCluster)
      asm volatile(OCT_TRY_WAIT(".acquire.cluster")
                   : "=r"(done)
                   : "r"(addr), "r"(parity)
                   : "memory");
    else
      asm volatile(OCT_TRY_WAIT("") : "=r"(done) : "r"(addr), "r"(parity) : "memory");
  } while (!done);
}
#undef OCT_TRY_WAIT
// Arrives when `pred` (predicated, not branched: no divergent path among the wgmma).
__device__ __forceinline__ void mbar_arrive_if(uint64_t* bar, bool pred) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %1, 0;\n"
      "@p mbarrier.arrive.shared::cta.b64 _, [%0];\n}\n" ::"r"(smem_u32(bar)),
      "r"(static_cast<int>(pred))
      : "memory");
}
// The split's hand-offs between the CTAs of a cluster (addresses in another CTA's shared memory
// come from mapa).
__device__ __forceinline__ uint32_t map_rank(uint32_t addr, int rank) {
  uint32_t r;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(r) : "r"(addr), "r"(rank));
  return r;
}
__device__ __forceinline__ void mbar_arrive_remote(uint32_t cluster_addr) {
  asm volatile("mbarrier.arrive.release.cluster.shared::cluster.b64 _, [%0];" ::"r"(cluster_addr)
               : "memory");
}
__device__ __forceinline__ float ld_cluster_f32(uint32_t cluster_addr) {
  float v;
  asm volatile("ld.shared::cluster.f32 %0, [%1];" : "=f"(v) : "r"(cluster_addr) : "memory");
  return v;
}
__device__ __forceinline__ uint32_t ld_cluster_u32(uint32_t cluster_addr) {
  uint32_t v;
  asm volatile("ld.shared::cluster.u32 %0, [%1];" : "=r"(v) : "r"(cluster_addr) : "memory");
  return v;
}
__device__ __forceinline__ void mbar_expect_tx(uint64_t* bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smem_u32(bar)),
               "r"(bytes)
               : "memory");
}
__device__ __forceinline__ void tma_load_2d(void* dst, const CUtensorMap* map, int c0, int c1,
                                            uint64_t* bar) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, "
      "%4}], [%2];" ::"r"(smem_u32(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smem_u32(bar)), "r"(c0), "r"(c1)
      : "memory");
}

// Shared-memory matrix descriptor of a K-major, 128-byte swizzled tile (rows of 128 bytes, 8-row
// atoms 1024 bytes apart, the atom 1024-byte aligned).
__device__ __forceinline__ uint64_t desc_sw128(uint32_t addr) {
  return static_cast<uint64_t>((addr & 0x3FFFF) >> 4) | (uint64_t(1) << 16) |
         (uint64_t(1024 >> 4) << 32) | (uint64_t(1) << 62);
}

__device__ __forceinline__ void wgmma_fence() {
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void wgmma_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
}
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(N) : "memory");
}
// Keeps registers the asynchronous wgmma reads or writes where they are until this point.
template <int N>
__device__ __forceinline__ void fence_regs(float (&d)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(d[i])::"memory");
}
__device__ __forceinline__ void fence_regs(uint32_t (&a)[4][4]) {
#pragma unroll
  for (int j = 0; j < 4; ++j)
#pragma unroll
    for (int i = 0; i < 4; ++i) asm volatile("" : "+r"(a[j][i])::"memory");
}

// wgmma.m64n{128,256}k16, fp32 accumulators, A from registers, B (K-major) from shared memory:
// d = a . b + (scale_d ? d : 0). TY: the input type's PTX name. The accumulators' operand names and
// constraints come 64 at a time.
#define OCT_ACC_NAMES_0_31                                                                  \
  "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,"                                  \
  "%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31"
#define OCT_ACC_NAMES_0_63                                                                  \
  OCT_ACC_NAMES_0_31 ","                                                                    \
  "%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,"                        \
  "%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63"
#define OCT_ACC_NAMES_64_127                                                                \
  "%64,%65,%66,%67,%68,%69,%70,%71,%72,%73,%74,%75,%76,%77,%78,%79,"                        \
  "%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,%94,%95,"                        \
  "%96,%97,%98,%99,%100,%101,%102,%103,%104,%105,%106,%107,%108,%109,%110,%111,"            \
  "%112,%113,%114,%115,%116,%117,%118,%119,%120,%121,%122,%123,%124,%125,%126,%127"
#define OCT_ACC_OUT_0_31                                                                    \
  "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),       \
  "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]),                \
  "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]),             \
  "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),             \
  "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]),             \
  "+f"(d[31])
#define OCT_ACC_OUT_0_63                                                                    \
  OCT_ACC_OUT_0_31, "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]),             \
  "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]),             \
  "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),             \
  "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]),             \
  "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]),             \
  "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
#define OCT_ACC_OUT_64_127                                                                  \
  "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]),             \
  "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]),             \
  "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]),             \
  "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]),             \
  "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]),             \
  "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]),             \
  "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]), "+f"(d[105]),       \
  "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]),       \
  "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]),       \
  "+f"(d[118]), "+f"(d[119]), "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]),       \
  "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
#define OCT_WGMMA_M64N64K16_RS(TY)                                                          \
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"                                  \
               "wgmma.mma_async.sync.aligned.m64n64k16.f32." TY "." TY " "                   \
               "{" OCT_ACC_NAMES_0_31 "}, {%32,%33,%34,%35}, %36, p, 1, 1, 0;\n}\n"          \
               : OCT_ACC_OUT_0_31                                                            \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc), "r"(scale_d))
#define OCT_WGMMA_M64N128K16_RS(TY)                                                         \
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"                                  \
               "wgmma.mma_async.sync.aligned.m64n128k16.f32." TY "." TY " "                  \
               "{" OCT_ACC_NAMES_0_63 "}, {%64,%65,%66,%67}, %68, p, 1, 1, 0;\n}\n"          \
               : OCT_ACC_OUT_0_63                                                            \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc), "r"(scale_d))
#define OCT_WGMMA_M64N256K16_RS(TY)                                                         \
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %133, 0;\n"                                 \
               "wgmma.mma_async.sync.aligned.m64n256k16.f32." TY "." TY " "                  \
               "{" OCT_ACC_NAMES_0_63 "," OCT_ACC_NAMES_64_127 "}, {%128,%129,%130,%131}, "  \
               "%132, p, 1, 1, 0;\n}\n"                                                      \
               : OCT_ACC_OUT_0_63, OCT_ACC_OUT_64_127                                        \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc), "r"(scale_d))
template <typename T, int N> struct Wgmma;
#define OCT_WGMMA_RS(TYPE, TY, N)                                                             \
  template <> struct Wgmma<TYPE, N> {                                                         \
    static __device__ __forceinline__ void run(float (&d)[N / 2], const uint32_t (&a)[4],      \
                                               uint64_t desc, int scale_d) {                  \
      OCT_WGMMA_M64N##N##K16_RS(TY);                                                          \
    }                                                                                         \
  };
OCT_WGMMA_RS(__half, "f16", 64)
OCT_WGMMA_RS(__nv_bfloat16, "bf16", 64)
OCT_WGMMA_RS(__half, "f16", 128)
OCT_WGMMA_RS(__nv_bfloat16, "bf16", 128)
OCT_WGMMA_RS(__half, "f16", 256)
OCT_WGMMA_RS(__nv_bfloat16, "bf16", 256)
#undef OCT_WGMMA_RS
#undef OCT_WGMMA_M64N64K16_RS
#undef OCT_WGMMA_M64N128K16_RS
#undef OCT_WGMMA_M64N256K16_RS
#undef OCT_ACC_NAMES_0_31
#undef OCT_ACC_NAMES_0_63
#undef OCT_ACC_NAMES_64_127
#undef OCT_ACC_OUT_0_31
#undef OCT_ACC_OUT_0_63
#undef OCT_ACC_OUT_64_127

// The exact per-group sums for a CTA whose scales the running-sum form cannot take (see the
// kernel): every output of the tile by the CUDA cores, in the numerics octet.h states (each
// group's fp32 partial sum, over 8 interleaved fp32 lanes of exact products, times its scale:
// the lane order of the CPU backend, cpu/gemm_w8a16.cpp, on the device's typed inputs).
// Slow (~1 ms a tile); for scales no quantizer writes (0, NaN, ranges past 2^32 in a row) and
// non-finite activations only.
template <typename T>
__device__ __noinline__ void exact_tile(const Problem& p, int n0, int m0, int bt, int ct) {
  const T* x = static_cast<const T*>(p.x);
  const T* bias = static_cast<const T*>(p.bias);
  T* out = static_cast<T*>(p.out);
  for (int i = ct; i < kBN * bt; i += kConsumers) {
    const int n = n0 + i % kBN, m = m0 + i / kBN;
    if (n >= p.n || m >= p.m) continue;
    const T* xr = x + static_cast<int64_t>(m) * p.k;
    const int8_t* qr = p.q + static_cast<int64_t>(n) * p.k;
    float total = 0.0f;
    for (int g = 0; g < p.groups; ++g) {
      float lane[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
      for (int k = g * p.group_size; k < (g + 1) * p.group_size; k += 8)
#pragma unroll
        for (int j = 0; j < 8; ++j)
          lane[j] = fmaf(from_in<T>(xr[k + j]), static_cast<float>(qr[k + j]), lane[j]);
      const float part = ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
                         ((lane[4] + lane[5]) + (lane[6] + lane[7]));
      total = fmaf(p.scales[static_cast<int64_t>(n) * p.groups + g], part, total);
    }
    if (bias != nullptr) total += from_in<T>(bias[n]);
    out[static_cast<int64_t>(m) * p.n + n] = to_out<T>(total);
  }
}

// Per group, the running sums are kept in units of the current group's scale: at a group's end
// (after its wgmma completed) they are multiplied by s[g] / s[g + 1] (IEEE division, one fp32
// rounding each), so the next group's products accumulate into the same registers, and the
// epilogue multiplies by the last group's scale, as per channel. No second set of accumulators
// (which a 256-token tile could not hold). It holds where every scale of the thread's rows is
// finite and non-zero and their magnitudes lie within 2^32 of each other (no overflow or
// underflow of the rescaled sums; quantized weights' groups are far closer), and the sums end
// finite; a CTA where any thread's rows fail that redoes its tile with exact_tile.
constexpr float kMaxScaleRange = 4294967296.0f;  // 2^32

// Calls f(integral_constant<int, I>) for I = 0 .. N - 1, unrolled.
template <int I, int N, typename F>
__device__ __forceinline__ void static_for(F&& f) {
  if constexpr (I < N) {
    f(std::integral_constant<int, I>{});
    static_for<I + 1, N>(f);
  }
}

// kGroupSteps: 0, or per group the K steps per group (1 or 2: groups of 64 or 128), which
// selects the split main loop (below).
template <typename T, bool kPerGroup, int kBT, int kGroupSteps>
__global__ void __launch_bounds__(kThreads, 1) wgmma_kernel(const __grid_constant__ Args args) {
  using L = Tile<kBT>;
  const Problem& p = args.p;
  // Launched with PDL (launch_tiles): wait for the previous kernel (the gate's count's writer,
  // x's) before reading or writing anything; otherwise a no-op. A kernel launched after this one
  // with PDL may place its CTAs as ours exit (it waits for this grid's completion in turn).
  allow_dependent_launch();
  wait_for_prerequisites();
  if (!gate_open(p)) return;
  extern __shared__ unsigned char smem_raw[];
  // Aligned to 1024 by pointer arithmetic on the shared array (so that the compiler still knows
  // the accesses through it to be shared: STS/LDS, not generic loads and stores).
  unsigned char* smem = smem_raw + ((1024u - (smem_u32(smem_raw) & 1023u)) & 1023u);
  uint64_t* full = reinterpret_cast<uint64_t*>(smem + kStages * L::kStageBytes);
  uint64_t* empty = full + kStages;
  uint64_t* ready = empty + kStages;  // split, rank 0: the other ranks' partial sums are written
  uint64_t* release = ready + 1;      // split, rank > 0: rank 0 has read them
  uint32_t* flag = reinterpret_cast<uint32_t*>(release + 1);  // split, rank > 0: its sums are ok

  // The warp's index, as a value the compiler knows to be warp-uniform.
  const int tid = threadIdx.x, warp = __shfl_sync(0xffffffffu, tid >> 5, 0), lane = tid & 31;
  const int tile = args.tile0 + static_cast<int>(blockIdx.x) / args.sub;
  const int n0 = (tile % args.n_tiles) * kBN;
  const int m0 = ((tile / args.n_tiles) * args.sub + static_cast<int>(blockIdx.x) % args.sub) * kBT;
  if (m0 >= p.m) return;  // a tail's half tile past M (every rank of its cluster, before any barrier)
  // This CTA's K steps [c_first, c_first + tiles) (and per group its groups [g_first, g_end)).
  const int splits = gridDim.z, rank = blockIdx.z;  // rank in the cluster of dims (1, 1, splits)
  const int spg = kPerGroup ? p.group_size / kBK : 1;
  const int units = kPerGroup ? p.groups : (p.k + kBK - 1) / kBK;
  const int u_first = split_first(units, rank, splits);
  const int u_end = split_first(units, rank + 1, splits);
  const int c_first = u_first * spg, tiles = (u_end - u_first) * spg;

  if (tid == 0) {
    for (int s = 0; s < kStages; ++s) mbar_init(&full[s], 1), mbar_init(&empty[s], kConsumers / 32);
    if (splits > 1) mbar_init(ready, splits - 1), mbar_init(release, 1);
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  if (splits > 1) {  // every CTA's barriers initialized before any other arrives on them
    asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" ::
                     : "memory");
  } else {
    __syncthreads();
  }

  if (warp >= kConsumers / 32) {  // the producer warpgroup gives its registers to the consumers
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;");
    if (warp == kConsumers / 32 && lane == 0) {
      for (int c = 0; c < tiles; ++c) {
        const int s = c % kStages;
        if (c >= kStages) mbar_wait(&empty[s], ((c / kStages) - 1) & 1);
        mbar_expect_tx(&full[s], L::kStageBytes);
        unsigned char* stage = smem + s * L::kStageBytes;
        tma_load_2d(stage, &args.x_map, (c_first + c) * kBK, m0, &full[s]);
        tma_load_2d(stage + L::kXBytes, &args.w_map, (c_first + c) * kBK, n0, &full[s]);
      }
    }
    return;
  }

  asm volatile("setmaxnreg.inc.sync.aligned.u32 232;");
  // A consumer: warpgroup wg (features wg * 64 .. + 63 of the tile), warp wq in it.
  const int wg = warp >> 2, wq = warp & 3, g = lane >> 2, t = lane & 3;
  const int r0 = wg * 64 + wq * 16 + g;  // this thread's weight rows in the tile: r0, r0 + 8
  const int f0 = n0 + r0, f1 = f0 + 8;   // ... and in W
  // Per group: K steps per group (the group size is a multiple of kBK); per channel: all of them.
  const int steps_per_group = kPerGroup ? spg : tiles;

  // Fragment bytes in a stage's weight tile: for k16 step j, rows r0 / r0 + 8, bytes 16 j + 2 t
  // (+1) and 16 j + 2 t + 8 (+1), at their 64-byte-swizzled places (16-byte chunk j of row r
  // sits at chunk j ^ ((r >> 1) & 3)), as shared addresses in stage 0.
  const uint32_t smem_base = smem_u32(smem);
  uint32_t frag_addr[4][2];
#pragma unroll
  for (int j = 0; j < 4; ++j)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int r = r0 + 8 * h;
      frag_addr[j][h] = smem_base + L::kXBytes + r * kBK + ((j ^ ((r >> 1) & 3)) << 4) + 2 * t;
    }
  // The scale rows of f0, f1 (per channel: their one scale). Rows past N take row 0's (their
  // sums are 0 and never stored; a real row's scales keep the range check meaningful).
  const float* scale0 = p.scales + static_cast<int64_t>(f0 < p.n ? f0 : 0) * p.groups;
  const float* scale1 = p.scales + static_cast<int64_t>(f1 < p.n ? f1 : 0) * p.groups;
  auto load_scales = [&](int group, float& v0, float& v1) {
    v0 = scale0[group];
    v1 = scale1[group];
  };
  // Per group: whether every scale of the rows was finite and non-zero, and their least and
  // greatest magnitude (the running-sum form's conditions).
  bool s_ok = true;
  float s_lo = INFINITY, s_hi = 0.0f;
  auto track = [&](float v0, float v1) {
    const float a0 = fabsf(v0), a1 = fabsf(v1);
    s_ok &= a0 > 0.0f && a1 > 0.0f && a0 <= FLT_MAX && a1 <= FLT_MAX;  // false on NaN
    s_lo = fminf(s_lo, fminf(a0, a1));
    s_hi = fmaxf(s_hi, fmaxf(a0, a1));
  };
  // Scales of rows f0, f1 for group g (being summed): s = s[g], u = s[g + 1], w = s[g + 2] (in
  // flight), q = s / u (the rescaling at g's end). All but the rescaling itself happen at g's
  // first step after its wgmma were issued, with u loaded a whole group earlier: nothing of it on
  // the path from a group's last wgmma to the next group's first.
  float s0, s1, u0 = 1.0f, u1 = 1.0f, w0 = 1.0f, w1 = 1.0f, q0 = 1.0f, q1 = 1.0f;
  // (Per channel u_first = 0 and the one scale is "group" 0; per group this CTA's groups end at
  // u_end.)
  const int g_end = kPerGroup ? u_end : 1;
  int next_group = u_first + 1;  // the next group whose scales to load (counted)
  load_scales(kPerGroup ? u_first : 0, s0, s1);
  if (kPerGroup) {
    track(s0, s1);
    if (next_group < g_end) load_scales(next_group++, u0, u1);
    if (next_group < g_end) load_scales(next_group++, w0, w1);
    q0 = __fdiv_rn(s0, u0), q1 = __fdiv_rn(s1, u1);
  }

  float acc[L::kAcc];
  uint32_t frag[2][4][4];

  // Waits for step c's stage and prepares its fragments in `a`.
  auto prepare = [&](int stage, uint32_t phase, uint32_t (&a)[4][4]) {
    mbar_wait(&full[stage], phase);
    const uint32_t base = stage * L::kStageBytes;
    uint32_t raw[4][2];
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int h = 0; h < 2; ++h)
        raw[j][h] = __byte_perm(lds_u16(frag_addr[j][h] + base),
                                lds_u16(frag_addr[j][h] + base + 8), 0x5410);
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int h = 0; h < 2; ++h) Int8x4<T>::convert(raw[j][h], a[j][h], a[j][h + 2]);
  };

  // Group g's scale bookkeeping, at its first step (s[g] known since g - 1) right after the
  // step's wgmma were issued, so that none of it lies between two groups' wgmma.
  auto next_scales = [&] {
    asm volatile("" : "+f"(u0), "+f"(u1));  // (keeps what follows after the wgmma's issue)
    s0 = u0, s1 = u1, u0 = w0, u1 = w1;
    track(s0, s1);
    q0 = __fdiv_rn(s0, u0), q1 = __fdiv_rn(s1, u1);  // (unused after the last group)
    if (next_group < g_end) load_scales(next_group++, w0, w1);
  };
  // A group's end: the running sums (or a half of them) into the next group's units.
  auto rescale = [&](auto& sums) {
#pragma unroll
    for (int i = 0; i < int(sizeof(sums) / sizeof(float)); ++i) sums[i] *= (i & 2) ? q1 : q0;
  };

  // Software pipeline: step c's wgmma run while step c + 1's fragments are prepared (after step
  // c - 1's wgmma, which read the other fragment buffer, have completed); at a group's end the
  // sums are rescaled after that preparation, so the drain overlaps it.
  int stage = 0, group_step = 0, held = -1;  // held: a stage whose hand-back waits for its wgmma
  uint32_t phase = 0;
  auto step = [&](int c, uint32_t (&a)[4][4], uint32_t (&a_next)[4][4]) {
    const uint64_t desc = desc_sw128(smem_base + stage * L::kStageBytes);  // +2 per k16 (32 B)
    wgmma_fence();
#pragma unroll
    for (int j = 0; j < 4; ++j)
      Wgmma<T, kBT>::run(acc, a[j], desc + 2 * j, (c == 0 && j == 0) ? 0 : 1);
    wgmma_commit();
    if (kPerGroup && group_step == 0 && c > 0) next_scales();
    wgmma_wait<1>();  // step c - 1's wgmma are done: its stage and fragment buffer are free
    fence_regs(a_next);
    __syncwarp();
    if (held >= 0) mbar_arrive_if(&empty[held], lane == 0);
    held = stage;
    const bool last = c + 1 == tiles;
    const bool group_end = last || group_step + 1 == steps_per_group;
    if (++stage == kStages) stage = 0, phase ^= 1;
    if (!last) prepare(stage, phase, a_next);
    if (group_end) {
      wgmma_wait<0>();
      fence_regs(acc);
      fence_regs(a);
      if (kPerGroup && !last) rescale(acc);
      __syncwarp();
      mbar_arrive_if(&empty[held], lane == 0);
      held = -1;
    }
    group_step = group_end ? 0 : group_step + 1;
  };
  prepare(0, 0, frag[0]);
  if constexpr (kGroupSteps == 0) {
    for (int c = 0; c < tiles; c += 2) {
      step(c, frag[0], frag[1]);
      if (c + 1 < tiles) step(c + 1, frag[1], frag[0]);
    }
  } else {
    // The split main loop (per group of 64 or 128): the sums as two halves of kBT / 2 tokens (A,
    // B: wgmma m64n<kBT/2>k16 each, on the same fragments), so that a group's rescaling does not
    // drain the warpgroup's wgmma: at the group's end half A is rescaled while half B's last
    // wgmma still run, and half B once the next group's first A wgmma are issued. ptxas accepts
    // such reads (of accumulators whose wgmma completed while others are in flight) only where
    // it can follow the commit groups, in straight-line code: with wgmma in flight across a
    // loop's back edge it serializes every wgmma (warning C7514, perf notes). So the loop body is
    // kSpan K steps unrolled (several groups), drained at its end; the last < kSpan steps run a
    // group at a time, each drained.
    static_assert(kPerGroup && (kGroupSteps == 1 || kGroupSteps == 2), "groups of 64 or 128");
    constexpr int kSpan = 8, kHalf = L::kAcc / 2;  // 4, 8 and 16 measured: 8 kept
    float(&acc_a)[kHalf] = *reinterpret_cast<float(*)[kHalf]>(acc);
    float(&acc_b)[kHalf] = *reinterpret_cast<float(*)[kHalf]>(acc + kHalf);
    // One K step; the flags are integral_constants. first: a group's first step; rescale_b: the
    // previous group's half B is still to be rescaled; end: 0 within a group, 1 at a group's end
    // (half A rescaled, B at the next step), 2 at a group's end with a drain (both rescaled).
    auto split_step = [&](int c, uint32_t(&a)[4][4], uint32_t(&a_next)[4][4], auto first,
                          auto rescale_b, auto end) {
      const uint64_t desc = desc_sw128(smem_base + stage * L::kStageBytes);
      wgmma_fence();
#pragma unroll
      for (int j = 0; j < 4; ++j)
        Wgmma<T, kBT / 2>::run(acc_a, a[j], desc + 2 * j, (c == 0 && j == 0) ? 0 : 1);
      wgmma_commit();
      if constexpr (decltype(rescale_b)::value) {
        wgmma_wait<1>();
        fence_regs(acc_b);
        rescale(acc_b);
        wgmma_fence();
      }
      // The second half's tokens: kBT / 2 rows of 128 bytes further (descriptor units of 16 bytes).
#pragma unroll
      for (int j = 0; j < 4; ++j)
        Wgmma<T, kBT / 2>::run(acc_b, a[j], desc + kBT * 4 + 2 * j, (c == 0 && j == 0) ? 0 : 1);
      wgmma_commit();
      if constexpr (decltype(first)::value) {
        if (c > 0) next_scales();
      }
      wgmma_wait<2>();  // step c - 1's wgmma are done: its stage and fragment buffer are free
      fence_regs(a_next);
      __syncwarp();
      if (held >= 0) mbar_arrive_if(&empty[held], lane == 0);
      held = stage;
      if (++stage == kStages) stage = 0, phase ^= 1;
      const bool more = c + 1 < tiles;
      if (more) prepare(stage, phase, a_next);
      if constexpr (decltype(end)::value == 1) {
        wgmma_wait<1>();
        fence_regs(acc_a);
        rescale(acc_a);
      } else if constexpr (decltype(end)::value == 2) {
        wgmma_wait<0>();
        fence_regs(acc);
        fence_regs(a);
        if (more) rescale(acc);
        __syncwarp();
        mbar_arrive_if(&empty[held], lane == 0);
        held = -1;
      }
    };
    using std::integral_constant;
    int c = 0;
    for (; c + kSpan <= tiles; c += kSpan) {
      static_for<0, kSpan>([&](auto i) {
        constexpr int s = decltype(i)::value % kGroupSteps;
        constexpr bool group_end = s == kGroupSteps - 1;
        constexpr int end = !group_end ? 0 : decltype(i)::value == kSpan - 1 ? 2 : 1;
        integral_constant<bool, s == 0> first;
        integral_constant<bool, (s == 0 && decltype(i)::value > 0)> rescale_b;
        if constexpr (decltype(i)::value % 2 == 0)
          split_step(c + i, frag[0], frag[1], first, rescale_b, integral_constant<int, end>{});
        else
          split_step(c + i, frag[1], frag[0], first, rescale_b, integral_constant<int, end>{});
      });
    }
    for (; c < tiles; c += kGroupSteps) {
      const integral_constant<bool, false> no;
      const integral_constant<bool, true> yes;
      if constexpr (kGroupSteps == 2) {
        split_step(c, frag[0], frag[1], yes, no, integral_constant<int, 0>{});
        split_step(c + 1, frag[1], frag[0], no, no, integral_constant<int, 2>{});
      } else {
        split_step(c, frag[0], frag[1], yes, no, integral_constant<int, 2>{});
        // The next step's fragments are in frag[1]; the drain freed frag[0].
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int i = 0; i < 4; ++i) frag[0][j][i] = frag[1][j][i];
      }
    }
  }

  // Epilogue. acc[i]: n8 block i / 4 of tokens; (i & 1): token +1; (i & 2): row r0 + 8.
  float b0 = 0.0f, b1 = 0.0f;
  if (p.bias != nullptr) {
    const T* bias = static_cast<const T*>(p.bias);
    b0 = f0 < p.n ? from_in<T>(bias[f0]) : 0.0f;
    b1 = f1 < p.n ? from_in<T>(bias[f1]) : 0.0f;
  }
  // Both warpgroups' wgmma are done with the stages (and no TMA is in flight: every loaded step
  // was consumed) before either writes its block over them. Per group the barrier also tells
  // whether every consumer's rows met the running-sum form's conditions.
  int all_ok = 1;
  if constexpr (kPerGroup) {
    bool ok = s_ok && s_hi <= s_lo * kMaxScaleRange;
#pragma unroll
    for (int i = 0; i < L::kAcc; ++i) ok &= fabsf(acc[i]) <= FLT_MAX;
    asm volatile(
        "{\n.reg .pred p, q;\nsetp.ne.b32 p, %1, 0;\n"
        "bar.red.and.pred q, 1, %2, p;\nselp.b32 %0, 1, 0, q;\n}\n"
        : "=r"(all_ok)
        : "r"(static_cast<int>(ok)), "n"(kConsumers)
        : "memory");
  } else {
    asm volatile("bar.sync 1, %0;" ::"n"(kConsumers) : "memory");
  }
  // Split along K: ranks > 0 leave their sums, scaled (s * acc), and whether they were ok in
  // their shared memory and tell rank 0, which adds them in rank order to its own (fma(s, acc,
  // theirs)), then lets them exit. Any rank not ok: rank 0 redoes the whole tile exactly.
  if (splits > 1) {
    const uint32_t part = smem_u32(smem) + 4 * tid;  // + 4 * kConsumers per accumulator
    if (rank > 0) {
      if (all_ok) {
#pragma unroll
        for (int i = 0; i < L::kAcc; ++i)
          asm volatile("st.shared.f32 [%0], %1;" ::"r"(part + 4 * kConsumers * i),
                       "f"(((i & 2) ? s1 : s0) * acc[i])
                       : "memory");
      }
      if (tid == 0) *flag = static_cast<uint32_t>(all_ok);
      asm volatile("fence.acq_rel.cluster;" ::: "memory");  // (before thread 0's release)
      asm volatile("bar.sync 1, %0;" ::"n"(kConsumers) : "memory");
      if (tid == 0) mbar_arrive_remote(map_rank(smem_u32(ready), 0));
      mbar_wait<true>(release, 0);
      return;
    }
    mbar_wait<true>(ready, 0);
    for (int r = 1; r < splits; ++r) all_ok &= ld_cluster_u32(map_rank(smem_u32(flag), r)) != 0;
    if (all_ok) {
#pragma unroll
      for (int i0 = 0; i0 < L::kAcc; i0 += 16) {
        float theirs[16];
        for (int r = 1; r < splits; ++r) {
          const uint32_t base = map_rank(part, r) + 4 * kConsumers * i0;
#pragma unroll
          for (int j = 0; j < 16; ++j) {
            const float v = ld_cluster_f32(base + 4 * kConsumers * j);
            theirs[j] = r == 1 ? v : theirs[j] + v;
          }
        }
#pragma unroll
        for (int j = 0; j < 16; ++j)
          acc[i0 + j] = fmaf(((i0 + j) & 2) ? s1 : s0, acc[i0 + j], theirs[j]);
      }
    }
    asm volatile("bar.sync 1, %0;" ::"n"(kConsumers) : "memory");  // every read done
    if (tid == 0)
      for (int r = 1; r < splits; ++r) mbar_arrive_remote(map_rank(smem_u32(release), r));
  }
  if (!all_ok) {
    exact_tile<T>(p, n0, m0, kBT, tid);
    return;
  }
  unsigned char* epi = smem + wg * kBT * kEpiRow;
  const int col0 = (wq * 16 + g) * 2;  // byte of feature r0 in a row of the warpgroup's block
#pragma unroll
  for (int i = 0; i < L::kAcc; ++i) {
    const int token = (i >> 2) * 8 + 2 * t + (i & 1);
    const bool hi = (i & 2) != 0;
    const float v = splits > 1 ? acc[i] + (hi ? b1 : b0) : fmaf(hi ? s1 : s0, acc[i], hi ? b1 : b0);
    *reinterpret_cast<T*>(epi + token * kEpiRow + col0 + (hi ? 16 : 0)) = to_out<T>(v);
  }
  asm volatile("bar.sync %0, 128;" ::"r"(2 + wg) : "memory");
  const int wt = tid & 127;
  T* out = static_cast<T*>(p.out);
#pragma unroll
  for (int i = 0; i < kBT * 8 / 128; ++i) {
    const int idx = wt + i * 128, token = idx >> 3, seg = idx & 7;
    const int m = m0 + token, n = n0 + wg * 64 + seg * 8;
    if (m < p.m && n < p.n)
      *reinterpret_cast<uint4*>(out + static_cast<int64_t>(m) * p.n + n) =
          *reinterpret_cast<const uint4*>(epi + token * kEpiRow + seg * 16);
  }
}

#else  // not sm_90a: never launched (the dispatch checks the device)

template <typename T, bool kPerGroup, int kBT, int kGroupSteps>
__global__ void __launch_bounds__(kThreads, 1) wgmma_kernel(const __grid_constant__ Args) {}

#endif

// cuTensorMapEncodeTiled, from the driver through the runtime (liboctet does not link libcuda).
PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder() {
  static PFN_cuTensorMapEncodeTiled_v12000 fn = [] {
    void* f = nullptr;
    cudaDriverEntryPointQueryResult found{};
    OCT_CUDA_CHECK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &f, 12000,
                                                    cudaEnableDefault, &found));
    if (found != cudaDriverEntryPointSuccess || f == nullptr)
      fail(OCT_STATUS_CUDA_ERROR, "w8a16: the driver has no cuTensorMapEncodeTiled");
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(f);
  }();
  return fn;
}

// A 2-D row-major tensor [rows, cols] of `elem` bytes per element, boxes of box_cols x box_rows.
CUtensorMap tensor_map(CUtensorMapDataType type, int elem, const void* base, int64_t rows,
                       int64_t cols, int box_cols, int box_rows, CUtensorMapSwizzle swizzle) {
  CUtensorMap map;
  const cuuint64_t dims[2] = {static_cast<cuuint64_t>(cols), static_cast<cuuint64_t>(rows)};
  const cuuint64_t strides[1] = {static_cast<cuuint64_t>(cols * elem)};
  const cuuint32_t box[2] = {static_cast<cuuint32_t>(box_cols), static_cast<cuuint32_t>(box_rows)};
  const cuuint32_t elem_strides[2] = {1, 1};
  const CUresult r = tensor_map_encoder()(
      &map, type, 2, const_cast<void*>(base), dims, strides, box, elem_strides,
      CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
      CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS)
    fail(OCT_STATUS_INTERNAL, "w8a16: cuTensorMapEncodeTiled failed (%d) for a [%lld, %lld] tensor",
         static_cast<int>(r), static_cast<long long>(rows), static_cast<long long>(cols));
  return map;
}

// A launch of kThreads-thread CTAs on `grid` x `splits`, in clusters of (1, 1, splits) where
// splits > 1, with programmatic dependent launch where `pdl`.
struct ClusterLaunch {
  cudaLaunchConfig_t cfg = {};
  cudaLaunchAttribute attr[2] = {};
  ClusterLaunch(dim3 grid, int splits, int smem_bytes, cudaStream_t stream, bool pdl = false) {
    cfg.gridDim = dim3(grid.x, grid.y, static_cast<unsigned>(splits));
    cfg.blockDim = dim3(kThreads);
    cfg.dynamicSmemBytes = static_cast<size_t>(smem_bytes);
    cfg.stream = stream;
    unsigned n = 0;
    if (splits > 1) {
      attr[n].id = cudaLaunchAttributeClusterDimension;
      attr[n].val.clusterDim.x = 1, attr[n].val.clusterDim.y = 1;
      attr[n].val.clusterDim.z = static_cast<unsigned>(splits);
      ++n;
    }
    if (pdl) {
      attr[n].id = cudaLaunchAttributeProgrammaticStreamSerialization;
      attr[n].val.programmaticStreamSerializationAllowed = 1;
      ++n;
    }
    cfg.attrs = attr, cfg.numAttrs = n;
  }
  ClusterLaunch(const ClusterLaunch&) = delete;  // cfg points into attr
  ClusterLaunch& operator=(const ClusterLaunch&) = delete;
};

// How many clusters of `splits` CTAs of Kernel fit on the device at once (cached per device, as
// the count + 1); 0 where none does or the query fails (then no split: the query's error is
// cleared, so that the launch check does not report it).
template <auto Kernel>
int active_clusters(int device, int splits, int smem_bytes) {
  static std::atomic<int> cache[64][kMaxSplits + 1] = {};
  if (const int c = cache[device][splits].load(std::memory_order_acquire); c != 0) return c - 1;
  opt_in_smem<Kernel>(device, smem_bytes);  // (else the query finds no room for the CTAs)
  const ClusterLaunch launch(dim3(1, 1), splits, smem_bytes, nullptr);
  int n = 0;
  if (cudaOccupancyMaxActiveClusters(&n, Kernel, &launch.cfg) != cudaSuccess) {
    (void)cudaGetLastError();
    n = 0;
  }
  n = n > 0 ? n : 0;
  cache[device][splits].store(n + 1, std::memory_order_release);
  return n;
}

// The forced settings of the plan (plan_wgmma.hpp; tests and benchmark), read once per process:
// OCTET_W8A16_SPLITK = 1..4 forces the split along K (as far as the units allow);
// OCTET_W8A16_WGMMA_TOKENS = 128 | 256 the token tile; OCTET_W8A16_TAIL = 0 never splits off a
// tail, = force always does (the second half of the tiles, on the 128-token tile, in clusters of
// 2 where K allows).
const WgmmaForce& forced() {
  static const WgmmaForce f = [] {
    WgmmaForce r;
    if (const char* v = std::getenv("OCTET_W8A16_SPLITK")) {
      const int s = std::atoi(v);
      r.split = s >= 1 && s <= kMaxSplits ? s : 0;
    }
    if (const char* v = std::getenv("OCTET_W8A16_WGMMA_TOKENS")) {
      const int t = std::atoi(v);
      r.tokens = t == 128 || t == 256 ? t : 0;
    }
    if (const char* v = std::getenv("OCTET_W8A16_TAIL"))
      r.tail = std::strcmp(v, "force") == 0 ? 2 : (std::strcmp(v, "0") == 0 ? 1 : 0);
    return r;
  }();
  return f;
}

WgmmaShape shape_of(const Problem& p) { return {p.m, p.n, p.k, p.groups, p.group_size}; }

// For the plan: how many clusters of s CTAs of the bt-token kernel fit on the device at once.
template <typename T, bool kPerGroup, int kGroupSteps>
auto active_on(int device) {
  return [device](int bt, int s) {
    return bt == 256 ? active_clusters<wgmma_kernel<T, kPerGroup, 256, kGroupSteps>>(
                           device, s, Tile<256>::kSmemBytes)
                     : active_clusters<wgmma_kernel<T, kPerGroup, 128, kGroupSteps>>(
                           device, s, Tile<128>::kSmemBytes);
  };
}

// One launch of wgmma_kernel<.., kBT, ..>: `count` tiles from `tile0` of the grid of
// kBT * sub-token tiles (sub = 1, or 2 for a tail of 256-token tiles on the 128-token kernel),
// `splits` CTAs per kBT-token tile in clusters of (1, 1, splits).
template <typename T, bool kPerGroup, int kBT, int kGroupSteps>
void launch_tiles(const Problem& p, int device, int64_t tile0, int sub, int64_t count, int splits,
                  cudaStream_t stream) {
  using L = Tile<kBT>;
  auto* kernel = wgmma_kernel<T, kPerGroup, kBT, kGroupSteps>;
  // (opt_in_smem: once per device)
  opt_in_smem<wgmma_kernel<T, kPerGroup, kBT, kGroupSteps>>(device, L::kSmemBytes);
  Args args;
  args.x_map = tensor_map(std::is_same_v<T, __half> ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16
                                                   : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16,
                          2, p.x, p.m, p.k, kBK, kBT, CU_TENSOR_MAP_SWIZZLE_128B);
  args.w_map = tensor_map(CU_TENSOR_MAP_DATA_TYPE_UINT8, 1, p.q, p.n, p.k, kBK, kBN,
                          CU_TENSOR_MAP_SWIZZLE_64B);
  args.p = p;
  args.n_tiles = (p.n + kBN - 1) / kBN;
  args.tile0 = static_cast<int>(tile0);
  args.sub = sub;
  const dim3 grid(static_cast<unsigned>(count * sub));
  // Programmatic dependent launch (run() asks for it; behind LLM.int8()'s gate, which mostly stays
  // closed, always): the launch overlaps the previous kernel's end (the kernel waits before
  // reading or writing global memory).
  const bool pdl = p.pdl || p.gate_count != nullptr;
  if (splits == 1 && !pdl) {
    kernel<<<grid, kThreads, L::kSmemBytes, stream>>>(args);
  } else {
    const ClusterLaunch launch(grid, splits, L::kSmemBytes, stream, pdl);
    OCT_CUDA_CHECK(cudaLaunchKernelEx(&launch.cfg, kernel, args));
  }
  OCT_CUDA_CHECK_LAUNCH("w8a16 wgmma_kernel");
}

// The grid on kBT-token tiles as wgmma_plan lays it out: the tiles [0, first), split along K
// where it says so, then the tail on 128-token tiles.
template <typename T, bool kPerGroup, int kBT, int kGroupSteps = 0>
void launch(const Problem& p, int device, cudaStream_t stream) {
  const WgmmaPlan pl = wgmma_plan(shape_of(p), kBT, device_traits(device).sm_count, forced(),
                                  active_on<T, kPerGroup, kGroupSteps>(device));
  if (pl.ctas > 0x7fffffff / 2)
    fail(OCT_STATUS_NOT_SUPPORTED, "w8a16: M = %d, N = %d need too many tiles", p.m, p.n);
  if (pl.first > 0)
    launch_tiles<T, kPerGroup, kBT, kGroupSteps>(p, device, 0, 1, pl.first, pl.splits, stream);
  if (pl.first < pl.ctas)
    launch_tiles<T, kPerGroup, 128, kGroupSteps>(p, device, pl.first, kBT / 128,
                                                 pl.ctas - pl.first, pl.tail_splits, stream);
}

}  // namespace

template <typename T>
bool wgmma_beats_sm90(const Problem& p, int device) {
#if defined(OCTET_WITH_CUTLASS)
  if (p.groups != 1 || p.m <= kSliceM || p.m > kWgmmaPerChannelMaxM) return false;
  return wgmma_plan_beats_sm90(shape_of(p), device_traits(device).sm_count, kSm90MidMaxM,
                               forced(), active_on<T, false, 0>(device));
#else
  (void)p, (void)device;
  return false;
#endif
}

template <typename T, bool kPerGroup, int kGroupSteps>
void launch_tokens(const Problem& p, int device, cudaStream_t stream) {
  if (wgmma_token_tile(shape_of(p), device_traits(device).sm_count, forced(),
                       active_on<T, kPerGroup, kGroupSteps>(device)) == 256)
    launch<T, kPerGroup, 256, kGroupSteps>(p, device, stream);
  else
    launch<T, kPerGroup, 128, kGroupSteps>(p, device, stream);
}

template <typename T>
void launch_gemm_wgmma(const Problem& p, int device, cudaStream_t stream) {
  if (p.groups > 1 && p.group_size == 64)
    launch_tokens<T, true, 1>(p, device, stream);
  else if (p.groups > 1 && p.group_size == 128)
    launch_tokens<T, true, 2>(p, device, stream);
  else if (p.groups > 1)  // other multiples of 64: a drain at every group's end
    launch_tokens<T, true, 0>(p, device, stream);
  else
    launch_tokens<T, false, 0>(p, device, stream);
}

template bool wgmma_beats_sm90<__half>(const Problem&, int);
template bool wgmma_beats_sm90<__nv_bfloat16>(const Problem&, int);
template void launch_gemm_wgmma<__half>(const Problem&, int, cudaStream_t);
template void launch_gemm_wgmma<__nv_bfloat16>(const Problem&, int, cudaStream_t);

}  // namespace octet::cuda::w8a16
