// oct_gemm_s8 on CUDA: picks the kernel by the device's SM version (queried once per device and
// cached), the problem's alignment and its M bucket; everything runs on the caller's stream.
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "common/objects.hpp"
#include "backends.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/int8_gemm/gemm_s8.hpp"

namespace octet::cuda {
namespace {

// The decode kernel (skinny.cu) serves M <= this (at most kSkinnyMaxM); OCTET_S8_SKINNY_MAX_M
// overrides it, for tuning with the benchmark (0 turns it off).
int64_t skinny_max_m() {
  static const int64_t v = [] {
    const char* e = std::getenv("OCTET_S8_SKINNY_MAX_M");
    const int64_t x = e ? std::atoll(e) : int8_gemm::kSkinnyMaxM;
    return x < int8_gemm::kSkinnyMaxM ? x : int8_gemm::kSkinnyMaxM;
  }();
  return v;
}

}  // namespace

namespace int8_gemm {

bool tensor_core_aligned(const GemmS8Problem& p) {
  // The epilogue's vector loads of b_scale and bias need them aligned too (whole allocations
  // always are; checked so that a future view API cannot break it silently).
  return p.k % 16 == 0 && p.n % 8 == 0 && is_aligned(p.a, 16) && is_aligned(p.b, 16) &&
         is_aligned(p.out, 16) && is_aligned(p.b_scale, 16) && is_aligned(p.bias, 16) &&
         is_aligned(p.c, 16);
}

}  // namespace int8_gemm

namespace {

enum class Path { kSkinny, kSm90, kSm90Outlier, kSm80, kSm80Src, kFallback };

// The kernel family for a problem on a device; gemm_s8 runs it, and LLM.int8() asks how the
// source term will be treated (source_route) before it launches its own kernels.
Path choose(const DeviceTraits& dev, const GemmS8Problem& p) {
  const bool aligned = int8_gemm::tensor_core_aligned(p);
  // The decode kernel computes LLM.int8()'s outlier part itself (no c): it takes decode sizes
  // first.
  if (p.outlier_x != nullptr && p.m <= skinny_max_m() && aligned) return Path::kSkinny;
#ifdef OCTET_WITH_CUTLASS
  // Past decode sizes the sm90 kernels compute the outlier part in their main loop (no c).
  if (aligned && p.outlier_x != nullptr && dev.sm == 90 &&
      (p.out_dtype == OCT_DTYPE_FP16 || p.out_dtype == OCT_DTYPE_BF16))
    return Path::kSm90Outlier;
#endif
  if (p.m <= skinny_max_m() && aligned) return Path::kSkinny;
#ifdef OCTET_WITH_CUTLASS
  if (aligned && p.c != nullptr) {
    if (dev.sm >= 80 && dev.sm < 90 && p.b_per_col &&
        (p.out_dtype == OCT_DTYPE_FP16 || p.out_dtype == OCT_DTYPE_BF16))
      return Path::kSm80Src;
  } else if (aligned) {
    if (dev.sm == 90) return Path::kSm90;  // sm_90a code runs on sm_90 only
    if (dev.sm >= 80 && dev.sm < 90) return Path::kSm80;  // sm_80 machine code runs on every 8.x
  }
#endif
  return Path::kFallback;
}

const DeviceTraits& checked_traits(const oct_context& context) {
  const DeviceTraits& dev = device_traits(context.device);
  if (dev.sm < 80)
    fail(OCT_STATUS_ARCH_MISMATCH, "oct_gemm_s8 needs compute capability 8.0 or newer (the architectures this library is built for); device %d "
         "is sm_%d", context.device, dev.sm);
  return dev;
}

}  // namespace

namespace int8_gemm {

Sm90Schedule sm90_schedule(MBucket bucket) {
  static const Sm90Schedule override_ = [] {
    Sm90Schedule o{0, 0};  // swizzle 0: no override
    if (const char* e = std::getenv("OCTET_SM90_SCHEDULE")) {
      int sw = 0, ra = 0;
      if (std::sscanf(e, "%d,%d", &sw, &ra) == 2 && (sw == 1 || sw == 2 || sw == 4 || sw == 8) &&
          ra >= 0 && ra <= 2)
        o = Sm90Schedule{sw, ra};
    }
    return o;
  }();
  if (override_.swizzle != 0) return override_;
  // Large M: swizzle 4 along N, measured on an H100 (docs/perf-notes-int8-gemm.md): 8192^3
  // 753 -> 703 us, (11008, 4096) at M = 8192 545 -> 506 us, nowhere more than 2% slower than
  // CUTLASS's default. Smaller M: the default (not swept).
  if (bucket == MBucket::kLarge) return Sm90Schedule{4, 2};
  return Sm90Schedule{1, 0};
}

SourceRoute source_route(const oct_context& context, const GemmS8Problem& p) {
  const Path path = choose(checked_traits(context), p);
  if (path == Path::kSm90Outlier) return SourceRoute::kMainloop;
  if (path == Path::kSkinny && p.outlier_x != nullptr) return SourceRoute::kComputed;
  return SourceRoute::kRead;
}

}  // namespace int8_gemm

void gemm_s8(const oct_context& context, const GemmS8Problem& p, void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  auto s = static_cast<cudaStream_t>(stream);
  const DeviceTraits& dev = checked_traits(context);
  switch (choose(dev, p)) {
    case Path::kSkinny: int8_gemm::run_skinny(p, dev.sm >= 90, s); return;
#ifdef OCTET_WITH_CUTLASS
    case Path::kSm90Outlier:
      if (p.out_dtype == OCT_DTYPE_FP16) return int8_gemm::run_sm90_fp16_outlier(p, dev.sm_count, s);
      return int8_gemm::run_sm90_bf16_outlier(p, dev.sm_count, s);
    case Path::kSm80Src:
      if (p.out_dtype == OCT_DTYPE_FP16) return int8_gemm::run_sm80_fp16_src(p, s);
      return int8_gemm::run_sm80_bf16_src(p, s);
    case Path::kSm90:
      switch (p.out_dtype) {
        case OCT_DTYPE_FP16: int8_gemm::run_sm90_fp16(p, dev.sm_count, s); return;
        case OCT_DTYPE_BF16: int8_gemm::run_sm90_bf16(p, dev.sm_count, s); return;
        default: int8_gemm::run_sm90_s32(p, dev.sm_count, s); return;
      }
    case Path::kSm80:
      switch (p.out_dtype) {
        case OCT_DTYPE_FP16: int8_gemm::run_sm80_fp16(p, s); return;
        case OCT_DTYPE_BF16: int8_gemm::run_sm80_bf16(p, s); return;
        default: int8_gemm::run_sm80_s32(p, s); return;
      }
#else
    case Path::kSm90Outlier: case Path::kSm80Src: case Path::kSm90: case Path::kSm80: break;
#endif
    case Path::kFallback: break;
  }
  int8_gemm::run_fallback(p, s);
}

}  // namespace octet::cuda
