// oct_gemm_w8a16 on the GPU: picks the kernel by M (and N). For small M the problem is a weight
// stream (memory bound) and the skinny kernel reads every weight byte once; above it a
// tensor-core GEMM tiles M: on Hopper the CUTLASS wgmma kernel (per channel) or our own wgmma
// kernel (per group, per channel at M = 65..256 where it wins, or without CUTLASS), else
// mma.sync. All are enqueued on the caller's
// stream, allocate nothing and never synchronise, so a forward can be captured in a CUDA graph.
#include <cstdlib>
#include <cstring>

#include "backends.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/w8a16/skinny_body.cuh"
#include "cuda/w8a16/w8a16.cuh"

namespace octet::cuda {
namespace {

// OCTET_W8A16_KERNEL = skinny | gemm | sm90 | wgmma forces that kernel wherever it can run the
// problem (the skinny kernel up to M = 128, sm90 where sm90_gemm_applies, wgmma where
// wgmma_gemm_applies on Hopper); no_pdl launches the kernels without programmatic dependent
// launch (Hopper's skinny kernel and GEMMs use it); unset, the dispatch below picks. For the
// benchmark and the tests of every path; read once per process.
enum class Forced { none, skinny, gemm, sm90, wgmma, no_pdl };
Forced forced_kernel() {
  static const Forced f = [] {
    const char* v = std::getenv("OCTET_W8A16_KERNEL");
    if (v == nullptr) return Forced::none;
    if (std::strcmp(v, "skinny") == 0) return Forced::skinny;
    if (std::strcmp(v, "gemm") == 0) return Forced::gemm;
    if (std::strcmp(v, "sm90") == 0) return Forced::sm90;
    if (std::strcmp(v, "wgmma") == 0) return Forced::wgmma;
    if (std::strcmp(v, "no_pdl") == 0) return Forced::no_pdl;
    return Forced::none;
  }();
  return f;
}

// OCTET_W8A16_TILES = N (>= 1) gives the skinny kernel N 16-row tiles per block where it can
// take several (per channel, M <= 8; the tests run it so: results must not change); unset, one
// wave of blocks decides. Read once per process.
int forced_tiles() {
  static const int f = [] {
    const char* v = std::getenv("OCTET_W8A16_TILES");
    const int n = v != nullptr ? std::atoi(v) : 0;
    return n > 0 ? n : 0;
  }();
  return f;
}

}  // namespace

namespace w8a16 {

Sm90Split sm90_split_mode() {
  static const Sm90Split mode = [] {
    const char* v = std::getenv("OCTET_W8A16_SM90_SPLIT");
    if (v == nullptr) return Sm90Split::kModel;
    if (std::strcmp(v, "force") == 0) return Sm90Split::kForce;
    return std::strcmp(v, "0") == 0 ? Sm90Split::kNever : Sm90Split::kModel;
  }();
  return mode;
}

void run(const Problem& p, bool bf16, int device, cudaStream_t s) {
  const DeviceTraits& dev = device_traits(device);
  if (dev.sm < 80)
    fail(OCT_STATUS_ARCH_MISMATCH,
         "oct_gemm_w8a16 needs a GPU of compute capability 8.0 or newer (mma.sync with bf16); "
         "device %d has %d.%d", device, dev.sm / 10, dev.sm % 10);
  // Hopper: per channel with CUTLASS, its wgmma GEMM takes over from the skinny kernel where it
  // is faster (skinny_beats_sm90), except where ours beats it (wgmma_beats_sm90); otherwise
  // (per group, those, or no CUTLASS) our wgmma GEMM does (skinny_beats_wgmma), above
  // kSkinnyLimitM always. Elsewhere the skinny kernel runs up to kSkinnyLimitM and the mma.sync
  // GEMM above.
  const bool hopper = dev.sm == 90;
  const bool wgmma_ok = hopper && wgmma_gemm_applies(p);
  bool sm90_ok = false;
#if defined(OCTET_WITH_CUTLASS)
  sm90_ok = hopper && sm90_gemm_applies(p);
#endif
  bool sm90 = sm90_ok && !(wgmma_ok && (bf16 ? wgmma_beats_sm90<__nv_bfloat16>(p, device)
                                                : wgmma_beats_sm90<__half>(p, device)));
  bool wgmma = wgmma_ok && !sm90;
  int skinny_max = kSkinnyLimitM;
  if (sm90) skinny_max = skinny_beats_sm90(p, dev.sm_count) ? p.m : 0;
  else if (wgmma) skinny_max = skinny_beats_wgmma(p, dev.sm_count) ? kSkinnyLimitM : 0;
  switch (forced_kernel()) {
    case Forced::skinny: skinny_max = kSkinnyLimitM; break;
    case Forced::gemm: skinny_max = 0, sm90 = wgmma = false; break;
    case Forced::sm90:
      if (sm90_ok) skinny_max = 0, sm90 = true;
      break;
    case Forced::wgmma:
      wgmma = wgmma_ok;
      if (wgmma) skinny_max = 0, sm90 = false;
      break;
    case Forced::none: case Forced::no_pdl: break;
  }
  // Programmatic dependent launch on Hopper (every kernel waits for the previous one before it
  // touches global memory), unless turned off.
  const bool pdl = dev.sm >= 90 && forced_kernel() != Forced::no_pdl;
  if (p.m <= skinny_max) {
    // The L2 prefetch before the PDL wait where it was measured faster (H100, docs/perf-notes-
    // w8a16.md): per channel, M <= 8, where the grid is always one wave (several tiles per block
    // past it): (4096, 11008) M = 1 18.3 -> 17.1 us, 4096^2 8.2 -> 8.1 (eleventh session),
    // (11008, 4096) 18.7 -> 17.7, (28672, 4096) 43.8 -> 41.7 (twelfth); at M = 9..16 where
    // launch_skinny allows it (one wave, long K). Grids of several waves (before several tiles
    // per block) and the per-group kernels were slower with it. Not behind a gate (LLM.int8()'s
    // promoted pass mostly does not run: its prefetch would be wasted traffic).
    Problem sp = p;
    sp.prefetch = pdl && p.m <= 16 && p.groups == 1 && p.gate_count == nullptr;
    bf16 ? launch_skinny<__nv_bfloat16>(sp, pdl, device, dev.sm_count, forced_tiles(), s)
         : launch_skinny<__half>(sp, pdl, device, dev.sm_count, forced_tiles(), s);
  } else if (sm90 || wgmma) {
    Problem gp = p;
    gp.pdl = pdl;
#if defined(OCTET_WITH_CUTLASS)
    if (sm90)
      bf16 ? launch_gemm_sm90<__nv_bfloat16>(gp, dev.sm_count, s)
           : launch_gemm_sm90<__half>(gp, dev.sm_count, s);
#endif
    if (wgmma)
      bf16 ? launch_gemm_wgmma<__nv_bfloat16>(gp, device, s)
           : launch_gemm_wgmma<__half>(gp, device, s);
  } else {
    bf16 ? launch_gemm<__nv_bfloat16>(p, device, dev.sm_count, s)
         : launch_gemm<__half>(p, device, dev.sm_count, s);
  }
}

}  // namespace w8a16

void gemm_w8a16(const oct_tensor& x, const oct_tensor& q, const oct_tensor& scales,
                int64_t group, const oct_tensor* bias, oct_tensor& out, void* stream) {
  OCT_CUDA_USE_DEVICE(*x.context);
  w8a16::Problem p;
  p.x = x.data;
  p.q = static_cast<const int8_t*>(q.data);
  p.scales = static_cast<const float*>(scales.data);
  p.bias = bias != nullptr ? bias->data : nullptr;
  p.out = out.data;
  p.m = static_cast<int>(x.shape[0]);
  p.n = static_cast<int>(q.shape[0]);
  p.k = static_cast<int>(q.shape[1]);
  p.group_size = static_cast<int>(group);
  p.groups = static_cast<int>(q.shape[1] / group);
  w8a16::run(p, x.dtype == OCT_DTYPE_BF16, x.context->device, static_cast<cudaStream_t>(stream));
}

}  // namespace octet::cuda
