// CUTLASS 2.x int8 GEMMs for sm_80 (machine code that also runs on sm_86 and sm_89): multistage
// cp.async mainloop on mma.sync.m16n8k32 (s8 x s8 -> s32), with the dequantizing epilogue as a
// 2.x epilogue visitor tree (Sm80EVT) in octet.h's order:
//
//   out = fma(ScaleA[m], ScaleB[n] * (float)acc, Bias[n])
//
//   ScaleA: column broadcast with a runtime row stride (1 per token, 0 per tensor).
//   ScaleB: row broadcast (per channel) or scalar broadcast (per tensor): a template switch,
//           since the 2.x row broadcast loads vectors and cannot take a stride of 0.
//   Bias:   row broadcast in out's dtype; a null pointer reads as 0.
//   Raw mode: out = acc as int32.
//   Source term (the internal GemmS8Problem::c, LLM.int8()'s outlier part): C [M, N] in out's
//   dtype, loaded by an aux-load visitor, joins the bias before the fma:
//     out = fma(ScaleA[m], ScaleB[n] * (float)acc, Bias[n] + C[m,n])
//   (instantiated with a per-channel ScaleB only: gemm_s8_src_sm80.cu).
// One tile configuration (128x128x64, 4 warps of 64x64, 4 stages, 64 KiB shared memory); no
// workspace (identity swizzle, no split-K).
#pragma once

#include <cuda_runtime.h>

#include <type_traits>

// Order matters: the 2.x visitor headers expect the GEMM and conversion headers before them.
#include "cute/tensor.hpp"
#include "cutlass/cutlass.h"
#include "cutlass/gemm_coord.h"
#include "cutlass/numeric_conversion.h"
#include "cutlass/gemm/device/gemm_universal_adapter.h"
#include "cutlass/gemm/threadblock/threadblock_swizzle.h"
#include "cutlass/epilogue/threadblock/fusion/visitors.hpp"
#include "cutlass/gemm/kernel/default_gemm_universal_with_visitor.h"

#include "cuda/common/check.cuh"
#include "cuda/int8_gemm/gemm_s8.hpp"

namespace octet::cuda::int8_gemm::sm80 {

using namespace cute;
namespace tb = cutlass::epilogue::threadblock;

struct Config {
  using Tile = cutlass::gemm::GemmShape<128, 128, 64>;
  using Warp = cutlass::gemm::GemmShape<64, 64, 64>;
  using Instruction = cutlass::gemm::GemmShape<16, 8, 32>;
  static constexpr int kStages = 4;
  static constexpr const char* kName = "sm80 128x128x64 4-stage";
};

using ThreadMap = tb::OutputTileThreadLayout<Config::Tile, Config::Warp, float, 4, 1>;
constexpr auto kRound = cutlass::FloatRoundStyle::round_to_nearest;
using StrideD = Stride<int64_t, _1, _0>;

template <class ElementD>
using Store = tb::VisitorAuxStore<ThreadMap, ElementD, kRound, StrideD>;

// out in fp16/bf16; kPerChannelB: b_scale has N entries (else one); kSrc: add C.
template <class ElementD, bool kPerChannelB, bool kSrc = false>
struct ScaledEpilogue {
  using Accum = tb::VisitorAccFetch;
  using ScaleA = tb::VisitorColBroadcast<ThreadMap, float, Stride<int64_t, _0, _0>>;
  using ScaleB = std::conditional_t<kPerChannelB,
                                    tb::VisitorRowBroadcast<ThreadMap, float, Stride<_0, _1, _0>>,
                                    tb::VisitorScalarBroadcast<float>>;
  using Bias = tb::VisitorRowBroadcast<ThreadMap, ElementD, Stride<_0, _1, _0>>;
  using Scaled = tb::Sm80EVT<tb::VisitorCompute<cutlass::multiplies, float, float, kRound>,
                             ScaleB, Accum>;
  using Src = tb::VisitorAuxLoad<ThreadMap, ElementD, StrideD>;
  using Addend = std::conditional_t<
      kSrc, tb::Sm80EVT<tb::VisitorCompute<cutlass::plus, float, float, kRound>, Bias, Src>,
      Bias>;
  using Out = tb::Sm80EVT<
      tb::VisitorCompute<cutlass::homogeneous_multiply_add, ElementD, float, kRound>, ScaleA,
      Scaled, Addend>;
  using Tree = tb::Sm80EVT<Store<ElementD>, Out>;

  static typename ScaleB::Arguments scale_b(const GemmS8Problem& p) {
    if constexpr (kPerChannelB) {
      return {p.b_scale, 0.0f, {}};
    } else {
      typename ScaleB::Arguments args{};
      args.scalar_ptrs[0] = p.b_scale;
      return args;
    }
  }

  static typename Addend::Arguments addend(const GemmS8Problem& p) {
    typename Bias::Arguments bias{static_cast<const ElementD*>(p.bias), ElementD(0), {}};
    if constexpr (kSrc) {
      typename Src::Arguments src{static_cast<ElementD*>(const_cast<void*>(p.c)), ElementD(0),
                                  {p.n, {}, {}}};
      return {bias, src, {}};  // Bias (null: 0) + C
    } else {
      return bias;
    }
  }

  static typename Tree::Arguments arguments(const GemmS8Problem& p) {
    const int64_t a_stride = p.a_per_row ? 1 : 0;
    typename Out::Arguments out{
        {p.a_scale, 0.0f, {a_stride, {}, {}}},                    // ScaleA
        {scale_b(p), {}, {}},                                     // ScaleB * acc
        addend(p),                                                // Bias (+ C)
        {}};                                                      // fma
    return {out, {static_cast<ElementD*>(p.out), {p.n, {}, {}}}};
  }
};

struct RawEpilogue {
  using Tree = tb::Sm80EVT<Store<int32_t>, tb::VisitorAccFetch>;
  static typename Tree::Arguments arguments(const GemmS8Problem& p) {
    return {{}, {static_cast<int32_t*>(p.out), {p.n, {}, {}}}};
  }
};

template <class Epi>
struct Gemm {
  using Kernel = typename cutlass::gemm::kernel::DefaultGemmWithVisitor<
      int8_t, cutlass::layout::RowMajor, cutlass::ComplexTransform::kNone, 16,     // a [M, K]
      int8_t, cutlass::layout::ColumnMajor, cutlass::ComplexTransform::kNone, 16,  // b [N, K]
      float, cutlass::layout::RowMajor, 4,  // the epilogue's output tile shape (float x 4)
      int32_t, float, cutlass::arch::OpClassTensorOp, cutlass::arch::Sm80, Config::Tile,
      Config::Warp, Config::Instruction, typename Epi::Tree,
      cutlass::gemm::threadblock::GemmIdentityThreadblockSwizzle<8>, Config::kStages,
      cutlass::arch::OpMultiplyAddSaturate, 1>::GemmKernel;
  using Device = cutlass::gemm::device::GemmUniversalAdapter<Kernel>;
};

inline void check_cutlass(cutlass::Status status, const char* what) {
  if (status == cutlass::Status::kSuccess) return;
  const oct_status_t s = status == cutlass::Status::kErrorMisalignedOperand
                             ? OCT_STATUS_MISALIGNED
                             : (status == cutlass::Status::kErrorInvalidProblem
                                    ? OCT_STATUS_NOT_SUPPORTED
                                    : OCT_STATUS_CUDA_ERROR);
  fail(s, "oct_gemm_s8: CUTLASS %s (%s) failed: %s", what, Config::kName,
       cutlassGetStatusString(status));
}

template <class Epi>
void run(const GemmS8Problem& p, cudaStream_t stream) {
  using Device = typename Gemm<Epi>::Device;
  if (p.m > 0x7fffffff || p.n > 0x7fffffff)
    fail(OCT_STATUS_NOT_SUPPORTED, "oct_gemm_s8: M = %lld or N = %lld exceeds int32",
         (long long)p.m, (long long)p.n);
  const cutlass::gemm::GemmCoord size(static_cast<int>(p.m), static_cast<int>(p.n),
                                      static_cast<int>(p.k));
  typename Device::Arguments args(cutlass::gemm::GemmUniversalMode::kGemm, size, 1,
                                  Epi::arguments(p), p.a, p.b, nullptr, nullptr, 0, 0, 0, 0,
                                  p.k, p.k, p.n, p.n);
  Device gemm;
  check_cutlass(gemm.can_implement(args), "can_implement");
  const size_t workspace = Device::get_workspace_size(args);
  if (workspace != 0)
    fail(OCT_STATUS_INTERNAL, "oct_gemm_s8: kernel %s asks for %zu bytes of workspace",
         Config::kName, workspace);
  check_cutlass(gemm.initialize(args, nullptr, stream), "initialize");
  check_cutlass(gemm.run(stream), "run");
  OCT_CUDA_CHECK_LAUNCH("CUTLASS sm80 int8 GEMM");
}

template <class ElementD>
void dispatch_scaled(const GemmS8Problem& p, cudaStream_t stream) {
  if (p.b_per_col)
    run<ScaledEpilogue<ElementD, true>>(p, stream);
  else
    run<ScaledEpilogue<ElementD, false>>(p, stream);
}

}  // namespace octet::cuda::int8_gemm::sm80
