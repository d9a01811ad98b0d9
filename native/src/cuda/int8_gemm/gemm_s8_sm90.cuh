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
// With LLM.int8()'s outlier operands (the internal GemmS8Problem::outlier_x / outlier_w) the
// mainloop is OutlierMainloop (outlier_sm90.cuh): it adds the outlier part to the accumulators,
// dequantized by a_scale, in fp32, and ScaleA reads as 1 when there is an outlier column:
//
//   out = fma(1, ScaleB[n] * F, Bias[n]),  F = (float)acc * a_scale[m] + sum xo * wo
//
// and with none the tree above, unchanged. So the template axes are the output type, the
// outlier mainloop (one .cu each: *_fp16_sm90.cu, *_bf16_sm90.cu, *_s32_sm90.cu,
// *_fp16_outlier_sm90.cu, *_bf16_outlier_sm90.cu) and the tile configuration, chosen at run
// time by M (and N) bucket.
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
#include "cuda/int8_gemm/outlier_sm90.cuh"

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

template <class ElementD, class Tile, bool kOutlier>
struct ScaledEpilogue {
  static constexpr auto kRound = cutlass::FloatRoundStyle::round_to_nearest;
  using Accum = std::conditional_t<kOutlier, Sm90AccBitsAsFloat, cutlass::epilogue::fusion::Sm90AccFetch>;
  using ScaleAPlain = cutlass::epilogue::fusion::Sm90ColBroadcast<0, Tile, float, float,
                                                                  Stride<bool, _0, _0>>;
  using ScaleA = std::conditional_t<kOutlier, Sm90ColBroadcastUnlessCount<ScaleAPlain>, ScaleAPlain>;
  using ScaleB = cutlass::epilogue::fusion::Sm90RowBroadcast<0, Tile, float, float,
                                                             Stride<_0, bool, _0>>;
  using Bias = cutlass::epilogue::fusion::Sm90RowBroadcast<0, Tile, ElementD, float,
                                                           Stride<_0, _1, _0>>;
  using Scaled = cutlass::epilogue::fusion::Sm90EVT<
      cutlass::epilogue::fusion::Sm90Compute<cutlass::multiplies, float, float, kRound>, ScaleB,
      Accum>;
  using Tree = cutlass::epilogue::fusion::Sm90EVT<
      cutlass::epilogue::fusion::Sm90Compute<cutlass::homogeneous_multiply_add, ElementD, float,
                                             kRound>,
      ScaleA, Scaled, Bias>;

  static typename ScaleA::Arguments scale_a(const GemmS8Problem& p) {
    typename ScaleAPlain::Arguments plain{p.a_scale, 0.0f, {p.a_per_row, {}, {}}};
    if constexpr (kOutlier)
      return {plain, p.c_count};
    else
      return plain;
  }

  static typename Tree::Arguments arguments(const GemmS8Problem& p) {
    return typename Tree::Arguments{
        scale_a(p),                                                   // ScaleA (1 with outliers)
        {{p.b_scale, 0.0f, {{}, p.b_per_col, {}}}, {}, {}},          // ScaleB * acc
        {static_cast<const ElementD*>(p.bias), ElementD(0), {}},      // Bias (null: 0)
        {}};                                                          // fma
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

template <class ElementD, class Config, bool kOutlier>
struct Gemm {
  using Tile = typename Config::Tile;
  using Cluster = typename Config::Cluster;
  using Epi = std::conditional_t<std::is_same_v<ElementD, int32_t>, RawEpilogue<Tile>,
                                 ScaledEpilogue<ElementD, Tile, kOutlier>>;
  static constexpr int kAlignD = 16 / sizeof(ElementD);

  using CollectiveEpilogue = typename cutlass::epilogue::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, Tile, Cluster,
      cutlass::epilogue::collective::EpilogueTileAuto, int32_t, float,
      void, cutlass::layout::RowMajor, kAlignD,      // no C
      ElementD, cutlass::layout::RowMajor, kAlignD,  // D
      typename Config::Epilogue, typename Epi::Tree>::CollectiveOp;

  // The outlier mainloop's a_scale buffer (one row block per stage, up to 8 stages).
  static constexpr int kCarveout = static_cast<int>(sizeof(typename CollectiveEpilogue::SharedStorage)) +
                                   (kOutlier ? 8 * size<0>(Tile{}) * 4 : 0);
  using Int8Mainloop = typename cutlass::gemm::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp,
      int8_t, cutlass::layout::RowMajor, 16,     // a [M, K]
      int8_t, cutlass::layout::ColumnMajor, 16,  // b [N, K]: column-major K x N
      int32_t, Tile, Cluster,
      cutlass::gemm::collective::StageCountAutoCarveout<kCarveout>,
      typename Config::Kernel>::CollectiveOp;
  using CollectiveMainloop =
      std::conditional_t<kOutlier, OutlierMainloop<Int8Mainloop, ElementD>, Int8Mainloop>;

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

template <class ElementD, bool kOutlier, class Config>
void run(const GemmS8Problem& p, int sm_count, cudaStream_t stream, const char* name) {
  using G = Gemm<ElementD, Config, kOutlier>;
  using Device = typename G::Device;
  using Kernel = typename G::Kernel;
  const int m = static_cast<int>(p.m), n = static_cast<int>(p.n), k = static_cast<int>(p.k);
  auto stride_a = cutlass::make_cute_packed_stride(typename Kernel::StrideA{}, make_shape(m, k, 1));
  auto stride_b = cutlass::make_cute_packed_stride(typename Kernel::StrideB{}, make_shape(n, k, 1));
  auto stride_d = cutlass::make_cute_packed_stride(typename Kernel::StrideD{}, make_shape(m, n, 1));
  typename G::CollectiveMainloop::Arguments mainloop{};
  mainloop.ptr_A = p.a;
  mainloop.dA = stride_a;
  mainloop.ptr_B = p.b;
  mainloop.dB = stride_b;
  if constexpr (kOutlier) {
    if (p.outlier_x == nullptr || p.outlier_w == nullptr || p.c_count == nullptr ||
        p.promote_x == nullptr || !p.a_per_row)
      fail(OCT_STATUS_INTERNAL,
           "oct_gemm_s8: the sm90 outlier kernel needs xo, wo, the count, the promotion gate and per-row scales");
    mainloop.outlier = {static_cast<const ElementD*>(p.outlier_x),
                        static_cast<const ElementD*>(p.outlier_w), p.outlier_ld, p.c_count, p.a_scale};
  }
  typename Device::Arguments args{
      cutlass::gemm::GemmUniversalMode::kGemm,
      {m, n, k, 1},
      mainloop,
      {G::Epi::arguments(p), nullptr, {}, static_cast<ElementD*>(p.out), stride_d}};
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
  // LLM.int8(): always behind its gate (nothing to do when promoted), whose CTAs wait for the
  // previous kernel before anything reads the count, so the launch can use PDL.
  if constexpr (kOutlier) {
    launch_gated<Kernel>(Kernel::to_underlying_arguments(args, nullptr),
                         CountGate{p.c_count, p.promote_above, false}, true, stream);
    return;
  }
  check_cutlass(gemm.initialize(args, nullptr, stream), "initialize", name);
  check_cutlass(gemm.run(stream, /*cuda_adapter=*/nullptr, /*launch_with_pdl=*/true), "run", name);
  OCT_CUDA_CHECK_LAUNCH("CUTLASS sm90 int8 GEMM");
}

// The M-bucket dispatcher for one output type, without or with (kOutlier) the outlier operands.
template <class ElementD, bool kOutlier = false>
void dispatch(const GemmS8Problem& p, int sm_count, cudaStream_t stream) {
  if (p.m > 0x7fffffff || p.n > 0x7fffffff)
    fail(OCT_STATUS_NOT_SUPPORTED, "oct_gemm_s8: M = %lld or N = %lld exceeds int32",
         (long long)p.m, (long long)p.n);
  switch (m_bucket(p.m)) {
    case MBucket::kSmall:
      if (p.n < 8192)
        run<ElementD, kOutlier, ConfigSmallM>(p, sm_count, stream, "sm90 small-M 64x64x256 1x8");
      else
        run<ElementD, kOutlier, ConfigSmallMWideN>(p, sm_count, stream, "sm90 small-M 64x128x256 1x4");
      return;
    case MBucket::kMid:
      run<ElementD, kOutlier, ConfigMidM>(p, sm_count, stream, "sm90 pingpong 64x128x128 2x1");
      return;
    case MBucket::kLarge:
      run<ElementD, kOutlier, ConfigLargeM>(p, sm_count, stream, "sm90 cooperative 128x256x128 2x1");
      return;
  }
}

}  // namespace octet::cuda::int8_gemm::sm90
