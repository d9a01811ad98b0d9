// CUTLASS 3.x int8 GEMMs for sm_90a: TMA loads, wgmma, warp-specialized kernels from the
// CollectiveBuilder, with the dequantizing epilogue as an epilogue visitor tree (EVT):
//
//   out = fma(ScaleA[m], ScaleB[n] * (float)acc, Bias[n])      (octet.h's order, fp32)
//
//   ScaleA: column broadcast of a_scale, ScaleB: row broadcast of b_scale. Their strides are
//   runtime booleans: true = one value per row/column, false = one scalar for all (stride 0).
//   Bias: row broadcast of bias in out's dtype; a null pointer reads as 0 (one kernel for both).
//   Raw mode: out = acc as int32.
//
// With a source term (the internal GemmS8Problem::c, LLM.int8()'s outlier part), the C operand
// (out's dtype, loaded by the epilogue's TMA only when *c_count > 0: Sm90SrcFetchIfCount below)
// joins the bias before the fma:
//
//   out = fma(ScaleA[m], ScaleB[n] * (float)acc, Bias[n] + C[m,n])      (C = 0 when not loaded)
//
// So the template axes are the output type, the source term (one .cu each: *_fp16_sm90.cu,
// *_bf16_sm90.cu, *_s32_sm90.cu, *_fp16_src_sm90.cu, *_bf16_src_sm90.cu) and the tile
// configuration, chosen at run time by M (and N) bucket.
// No kernel here needs a workspace (no split-K / stream-K); run() checks that it is zero.
#pragma once

// Programmatic dependent launch: the kernels wait (griddepcontrol.wait) before touching global
// memory, so run() can launch them with PDL and their launch overlaps the previous kernel's tail
// (e.g. the activation quantization's). Must precede every CUTLASS include of the translation
// unit (this header comes first in each *_sm90.cu that includes it).
#ifndef CUTLASS_ENABLE_GDC_FOR_SM90
#define CUTLASS_ENABLE_GDC_FOR_SM90 1
#endif

#include <cuda_runtime.h>

#include <type_traits>

#include "cute/tensor.hpp"
#include "cutlass/cutlass.h"
#include "cutlass/epilogue/collective/collective_builder.hpp"
#include "cutlass/epilogue/fusion/sm90_callbacks_tma_warpspecialized.hpp"
#include "cutlass/epilogue/thread/activation.h"
#include "cutlass/gemm/collective/collective_builder.hpp"
#include "cutlass/gemm/device/gemm_universal_adapter.h"
#include "cutlass/gemm/kernel/gemm_universal.hpp"
#include "cutlass/util/packed_stride.hpp"

#include "cuda/common/check.cuh"
#include "cuda/common/gated_cutlass.cuh"
#include "cuda/int8_gemm/gemm_s8.hpp"

namespace octet::cuda::int8_gemm::sm90 {

using namespace cute;

// ---- tile configurations (see docs/perf-notes-int8-gemm.md for the table and the reasoning)

// M <= 64, N < 8192: decode-sized M, bound by streaming b. Narrow 64x64 tiles put 64 CTAs on
// N = 4096; a 1x8 cluster multicasts the (tiny) a tile; deep K steps keep TMA busy.
struct ConfigSmallM {
  using Tile = Shape<_64, _64, _256>;
  using Cluster = Shape<_1, _8, _1>;
  using Kernel = cutlass::gemm::KernelTmaWarpSpecialized;
  using Epilogue = cutlass::epilogue::TmaWarpSpecialized;
};
// M <= 64, N >= 8192: wider tiles keep the CTA count about one wave (N = 11008: 86 CTAs).
struct ConfigSmallMWideN {
  using Tile = Shape<_64, _128, _256>;
  using Cluster = Shape<_1, _4, _1>;
  using Kernel = cutlass::gemm::KernelTmaWarpSpecialized;
  using Epilogue = cutlass::epilogue::TmaWarpSpecialized;
};
// 64 < M <= 512: ping-pong 64x128 (the measured winner up to M = 512): two consumer warp
// groups alternate so one's epilogue hides under the other's MMAs; persistent.
struct ConfigMidM {
  using Tile = Shape<_64, _128, _128>;
  using Cluster = Shape<_2, _1, _1>;
  using Kernel = cutlass::gemm::KernelTmaWarpSpecializedPingpong;
  using Epilogue = cutlass::epilogue::TmaWarpSpecialized;
};
// M > 512: cooperative 128x256 (the measured winner at large M, 1425 TOP/s stock at 8192^3);
// a 2x1 cluster multicasts each b tile to two CTAs, halving b's L2 traffic.
struct ConfigLargeM {
  using Tile = Shape<_128, _256, _128>;
  using Cluster = Shape<_2, _1, _1>;
  using Kernel = cutlass::gemm::KernelTmaWarpSpecializedCooperative;
  using Epilogue = cutlass::epilogue::TmaWarpSpecializedCooperative;
};

// ---- the epilogue trees

// The source term C, loaded (by the collective's TMA) only when *count > 0, else 0: LLM.int8()
// with no outlier column neither writes nor reads C. The count is read when the CTA starts, so
// kernels with this node use programmatic dependent launch only behind LLM.int8()'s gate
// (cuda/common/gated_cutlass.cuh), which waits for the previous kernel first (run()).
template <class Element>
struct Sm90SrcFetchIfCount {
  struct SharedStorage {};
  struct Arguments {
    const int32_t* count = nullptr;  // device memory; null: always load C
  };
  using Params = Arguments;

  template <class ProblemShape>
  static constexpr Params to_underlying_arguments(ProblemShape const&, Arguments const& args, void*) {
    return args;
  }
  template <class ProblemShape>
  static bool can_implement(ProblemShape const&, Arguments const&) { return true; }
  template <class ProblemShape>
  static size_t get_workspace_size(ProblemShape const&, Arguments const&) { return 0; }
  template <class ProblemShape>
  static cutlass::Status initialize_workspace(ProblemShape const&, Arguments const&, void*,
                                              cudaStream_t, cutlass::CudaHostAdapter* = nullptr) {
    return cutlass::Status::kSuccess;
  }

  CUTLASS_HOST_DEVICE Sm90SrcFetchIfCount() {}
  CUTLASS_HOST_DEVICE Sm90SrcFetchIfCount(Params const& params, SharedStorage const&) {
#if defined(__CUDA_ARCH__)
    needed_ = params.count == nullptr || *params.count > 0;
#endif
  }

  bool needed_ = true;

  CUTLASS_DEVICE bool is_producer_load_needed() const { return needed_; }
  CUTLASS_DEVICE bool is_C_load_needed() const { return needed_; }

  template <class... Args>
  CUTLASS_DEVICE auto get_producer_load_callbacks(
      cutlass::epilogue::fusion::detail::ProducerLoadArgs<Args...> const&) {
    return cutlass::epilogue::fusion::detail::EmptyProducerLoadCallbacks{};
  }

  template <class SrcTensor>
  struct ConsumerStoreCallbacks : cutlass::epilogue::fusion::detail::EmptyConsumerStoreCallbacks {
    CUTLASS_DEVICE ConsumerStoreCallbacks(SrcTensor const& tCrC, bool needed)
        : tCrC(tCrC), needed(needed) {}
    SrcTensor const& tCrC;  // (CPY,CPY_M,CPY_N)
    bool needed;

    template <typename ElementAccumulator, int FragmentSize>
    CUTLASS_DEVICE cutlass::Array<typename SrcTensor::value_type, FragmentSize> visit(
        cutlass::Array<ElementAccumulator, FragmentSize> const&, int epi_v, int, int) {
      using Frg = cutlass::Array<typename SrcTensor::value_type, FragmentSize>;
      if (needed) return recast<Frg>(tCrC)(epi_v);
      Frg zero;
      zero.fill(typename SrcTensor::value_type(0));
      return zero;
    }
  };

  template <bool ReferenceSrc, class... Args>
  CUTLASS_DEVICE auto get_consumer_store_callbacks(
      cutlass::epilogue::fusion::detail::ConsumerStoreArgs<Args...> const& args) {
    return ConsumerStoreCallbacks<std::remove_reference_t<decltype(args.tCrC)>>(args.tCrC, needed_);
  }
};

template <class ElementD, class Tile, bool kSrc>
struct ScaledEpilogue {
  using RN = std::integral_constant<cutlass::FloatRoundStyle, cutlass::FloatRoundStyle::round_to_nearest>;
  static constexpr auto kRound = cutlass::FloatRoundStyle::round_to_nearest;
  using Accum = cutlass::epilogue::fusion::Sm90AccFetch;
  using ScaleA = cutlass::epilogue::fusion::Sm90ColBroadcast<0, Tile, float, float,
                                                             Stride<bool, _0, _0>>;
  using ScaleB = cutlass::epilogue::fusion::Sm90RowBroadcast<0, Tile, float, float,
                                                             Stride<_0, bool, _0>>;
  using Bias = cutlass::epilogue::fusion::Sm90RowBroadcast<0, Tile, ElementD, float,
                                                           Stride<_0, _1, _0>>;
  using Scaled = cutlass::epilogue::fusion::Sm90EVT<
      cutlass::epilogue::fusion::Sm90Compute<cutlass::multiplies, float, float, kRound>, ScaleB,
      Accum>;
  // Bias + C (fp32 addition) with a source term, else Bias alone.
  using Src = Sm90SrcFetchIfCount<ElementD>;
  using Addend = std::conditional_t<
      kSrc,
      cutlass::epilogue::fusion::Sm90EVT<
          cutlass::epilogue::fusion::Sm90Compute<cutlass::plus, float, float, kRound>, Bias, Src>,
      Bias>;
  using Tree = cutlass::epilogue::fusion::Sm90EVT<
      cutlass::epilogue::fusion::Sm90Compute<cutlass::homogeneous_multiply_add, ElementD, float,
                                             kRound>,
      ScaleA, Scaled, Addend>;

  static typename Addend::Arguments addend(const GemmS8Problem& p) {
    typename Bias::Arguments bias{static_cast<const ElementD*>(p.bias), ElementD(0), {}};
    if constexpr (kSrc)
      return {bias, typename Src::Arguments{p.c_count}, {}};  // Bias (null: 0) + C
    else
      return bias;
  }

  static typename Tree::Arguments arguments(const GemmS8Problem& p) {
    return typename Tree::Arguments{
        {p.a_scale, 0.0f, {p.a_per_row, {}, {}}},                // ScaleA
        {{p.b_scale, 0.0f, {{}, p.b_per_col, {}}}, {}, {}},     // ScaleB * acc
        addend(p),                                                // Bias (+ C)
        {}};                                                      // fma
  }
};

template <class Tile>
struct RawEpilogue {
  using Tree = cutlass::epilogue::fusion::Sm90EVT<
      cutlass::epilogue::fusion::Sm90Compute<cutlass::epilogue::thread::Identity, int32_t,
                                             int32_t, cutlass::FloatRoundStyle::round_to_nearest>,
      cutlass::epilogue::fusion::Sm90AccFetch>;
  static typename Tree::Arguments arguments(const GemmS8Problem&) {
    return typename Tree::Arguments{{}, {}};
  }
};

// ---- one GEMM type per (output type, configuration)

template <class ElementD, class Config, bool kSrc>
struct Gemm {
  using Tile = typename Config::Tile;
  using Cluster = typename Config::Cluster;
  using Epi = std::conditional_t<std::is_same_v<ElementD, int32_t>, RawEpilogue<Tile>,
                                 ScaledEpilogue<ElementD, Tile, kSrc>>;
  static constexpr int kAlignD = 16 / sizeof(ElementD);

  using ElementC = std::conditional_t<kSrc, ElementD, void>;  // C: the source term, if any

  using CollectiveEpilogue = typename cutlass::epilogue::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, Tile, Cluster,
      cutlass::epilogue::collective::EpilogueTileAuto, int32_t, float,
      ElementC, cutlass::layout::RowMajor, kAlignD,  // C (the source term) or none
      ElementD, cutlass::layout::RowMajor, kAlignD,  // D
      typename Config::Epilogue, typename Epi::Tree>::CollectiveOp;

  using CollectiveMainloop = typename cutlass::gemm::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp,
      int8_t, cutlass::layout::RowMajor, 16,     // a [M, K]
      int8_t, cutlass::layout::ColumnMajor, 16,  // b [N, K]: column-major K x N
      int32_t, Tile, Cluster,
      cutlass::gemm::collective::StageCountAutoCarveout<
          static_cast<int>(sizeof(typename CollectiveEpilogue::SharedStorage))>,
      typename Config::Kernel>::CollectiveOp;

  using Kernel = cutlass::gemm::kernel::GemmUniversal<Shape<int, int, int, int>,
                                                      CollectiveMainloop, CollectiveEpilogue>;
  using Device = cutlass::gemm::device::GemmUniversalAdapter<Kernel>;
};

inline void check_cutlass(cutlass::Status status, const char* what, const char* config) {
  if (status == cutlass::Status::kSuccess) return;
  const oct_status_t s = status == cutlass::Status::kErrorMisalignedOperand
                             ? OCT_STATUS_MISALIGNED
                             : (status == cutlass::Status::kErrorInvalidProblem
                                    ? OCT_STATUS_NOT_SUPPORTED
                                    : OCT_STATUS_CUDA_ERROR);
  fail(s, "oct_gemm_s8: CUTLASS sm90 %s (%s) failed: %s", what, config,
       cutlassGetStatusString(status));
}

template <class ElementD, bool kSrc, class Config>
void run(const GemmS8Problem& p, int sm_count, cudaStream_t stream, const char* name) {
  using G = Gemm<ElementD, Config, kSrc>;
  using Device = typename G::Device;
  using Kernel = typename G::Kernel;
  const int m = static_cast<int>(p.m), n = static_cast<int>(p.n), k = static_cast<int>(p.k);
  auto stride_a = cutlass::make_cute_packed_stride(typename Kernel::StrideA{}, make_shape(m, k, 1));
  auto stride_b = cutlass::make_cute_packed_stride(typename Kernel::StrideB{}, make_shape(n, k, 1));
  auto stride_c = cutlass::make_cute_packed_stride(typename Kernel::StrideC{}, make_shape(m, n, 1));
  auto stride_d = cutlass::make_cute_packed_stride(typename Kernel::StrideD{}, make_shape(m, n, 1));
  typename Device::Arguments args{
      cutlass::gemm::GemmUniversalMode::kGemm,
      {m, n, k, 1},
      {p.a, stride_a, p.b, stride_b},
      {G::Epi::arguments(p), kSrc ? static_cast<const ElementD*>(p.c) : nullptr, stride_c,
       static_cast<ElementD*>(p.out), stride_d}};
  int device = 0;
  OCT_CUDA_CHECK(cudaGetDevice(&device));
  args.hw_info.device_id = device;
  args.hw_info.sm_count = sm_count;
  // The persistent scheduler's tile order (swizzle width, raster along M or N): chosen per M
  // bucket in dispatch.cu (sm90_schedule), where the measured defaults and the override live.
  const Sm90Schedule schedule = sm90_schedule(m_bucket(p.m));
  args.scheduler.max_swizzle_size = schedule.swizzle;
  args.scheduler.raster_order =
      static_cast<decltype(args.scheduler.raster_order)>(schedule.raster);

  Device gemm;
  check_cutlass(gemm.can_implement(args), "can_implement", name);
  const size_t workspace = Device::get_workspace_size(args);
  if (workspace != 0)
    fail(OCT_STATUS_INTERNAL, "oct_gemm_s8: kernel %s asks for %zu bytes of workspace", name,
         workspace);
  // LLM.int8(): nothing to do when promoted. Behind the gate the count is read after the wait
  // for the previous kernel, so this launch, unlike the ungated source-term one, can use PDL.
  if (kSrc && p.promote_x != nullptr) {
    launch_gated<Kernel>(Kernel::to_underlying_arguments(args, nullptr),
                         CountGate{p.c_count, p.promote_above, false}, true, stream);
    return;
  }
  check_cutlass(gemm.initialize(args, nullptr, stream), "initialize", name);
  // PDL except with an ungated source term, whose count is read before the kernel could wait.
  check_cutlass(gemm.run(stream, /*cuda_adapter=*/nullptr, /*launch_with_pdl=*/!kSrc), "run", name);
  OCT_CUDA_CHECK_LAUNCH("CUTLASS sm90 int8 GEMM");
}

// The M-bucket dispatcher for one output type, without or with (kSrc) the source term.
template <class ElementD, bool kSrc = false>
void dispatch(const GemmS8Problem& p, int sm_count, cudaStream_t stream) {
  if (p.m > 0x7fffffff || p.n > 0x7fffffff)
    fail(OCT_STATUS_NOT_SUPPORTED, "oct_gemm_s8: M = %lld or N = %lld exceeds int32",
         (long long)p.m, (long long)p.n);
  switch (m_bucket(p.m)) {
    case MBucket::kSmall:
      if (p.n < 8192)
        run<ElementD, kSrc, ConfigSmallM>(p, sm_count, stream, "sm90 small-M 64x64x256 1x8");
      else
        run<ElementD, kSrc, ConfigSmallMWideN>(p, sm_count, stream, "sm90 small-M 64x128x256 1x4");
      return;
    case MBucket::kMid:
      run<ElementD, kSrc, ConfigMidM>(p, sm_count, stream, "sm90 pingpong 64x128x128 2x1");
      return;
    case MBucket::kLarge:
      run<ElementD, kSrc, ConfigLargeM>(p, sm_count, stream, "sm90 cooperative 128x256x128 2x1");
      return;
  }
}

}  // namespace octet::cuda::int8_gemm::sm90
