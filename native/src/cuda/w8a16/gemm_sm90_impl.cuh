// W8A16 prefill on Hopper (sm_90a): CUTLASS 3.x mixed-input GEMM with wgmma, per-channel scales.
// Compiled only for sm_90a and only with OCTET_WITH_CUTLASS (see CMakeLists.txt).
//
// Operand roles. out[m, n] = s[n] * sum_k x[m, k] q[n, k] + b[n]. CUTLASS's sm90 mixed-input
// mainloop wants the narrow type in registers as the A operand, so we compute the transposed
// product D = W . x^T: GEMM M = our N (features), GEMM N = our M (tokens), A = q [N, K] K-major
// (int8), B = x [M, K] K-major (fp16/bf16). D is column-major [N, M] with leading dimension N,
// which is exactly our row-major out [M, N]. The mainloop only converts int8 to fp16/bf16 (exact:
// |q| <= 127), so every product is exact and wgmma accumulates in fp32; the epilogue (an EVT)
// forms fma(s[n], acc, b[n]) in fp32 with one rounding to the output type, as the other kernels
// do. Per-group scales stay on the mma.sync kernel: CUTLASS's scale mode wants scales in the
// activation type, and rounding our fp32 scales to fp16/bf16 would break the derived tolerance.
//
// Included by gemm_f16_sm90.cu and gemm_bf16_sm90.cu (one activation type each, so that the two
// slow translation units build in parallel). Four tile shapes (GEMM M x GEMM N x K), all
// cooperative (two consumer warpgroups): 128 x 64 x 64 for mid token counts (more CTAs, less
// token padding), 128 x 128 x 64, 128 x 192 x 64 and 128 x 256 x 64 for large ones (more reuse
// per loaded tile); plan_sm90 (plan_sm90.hpp) picks one, or two launches on slices of the features.
// Persistent tile scheduler, no workspace, no split-K: deterministic, allocation-free, and the
// launches (host-built TMA descriptors passed by value) can be captured in a CUDA graph.
#pragma once
#if defined(OCTET_WITH_CUTLASS)

// Programmatic dependent launch: CUTLASS's kernels wait (griddepcontrol.wait) before touching
// global memory, so run() can launch them with PDL (Problem::pdl). Must precede every CUTLASS
// include of the translation unit (this header comes first in gemm_{f16,bf16}_sm90.cu).
#ifndef CUTLASS_ENABLE_GDC_FOR_SM90
#define CUTLASS_ENABLE_GDC_FOR_SM90 1
#endif

#include <cute/tensor.hpp>
#include <cutlass/cutlass.h>
#include <cutlass/epilogue/collective/collective_builder.hpp>
#include <cutlass/epilogue/fusion/sm90_callbacks_tma_warpspecialized.hpp>
#include <cutlass/gemm/collective/collective_builder.hpp>
#include <cutlass/gemm/device/gemm_universal_adapter.h>
#include <cutlass/gemm/dispatch_policy.hpp>
#include <cutlass/gemm/kernel/gemm_universal.hpp>
#include <cutlass/util/packed_stride.hpp>

#include "common/error.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/gated_cutlass.cuh"
#include "cuda/w8a16/w8a16.cuh"

namespace octet::cuda::w8a16 {
namespace {

using namespace cute;

template <typename T> struct CutlassType;
template <> struct CutlassType<__half> { using type = cutlass::half_t; };
template <> struct CutlassType<__nv_bfloat16> { using type = cutlass::bfloat16_t; };

template <typename T, class TileShape, class KernelSchedule, class EpilogueSchedule>
struct Sm90Gemm {
  using ElementX = typename CutlassType<T>::type;
  using ElementQ = int8_t;
  using LayoutQ = cutlass::layout::RowMajor;     // GEMM A (N x K), K-major
  using LayoutX = cutlass::layout::ColumnMajor;  // GEMM B (K x M as CUTLASS sees it), K-major
  using LayoutD = cutlass::layout::ColumnMajor;  // D [N, M], ld = N == out [M, N] row-major
  static constexpr int kAlignQ = 16, kAlignX = 8, kAlignD = 8;
  using ClusterShape = Shape<_1, _1, _1>;

  // D = fma(scale[row], acc, bias[row]) in fp32, one rounding to T. A null bias reads as 0.
  using Scale = cutlass::epilogue::fusion::Sm90ColBroadcast<0, TileShape, float, float,
                                                            Stride<_1, _0, int64_t>, 4>;
  using Bias = cutlass::epilogue::fusion::Sm90ColBroadcast<0, TileShape, ElementX, float,
                                                           Stride<_1, _0, int64_t>, 8>;
  using Fma = cutlass::epilogue::fusion::Sm90Compute<cutlass::homogeneous_multiply_add, ElementX,
                                                     float, cutlass::FloatRoundStyle::round_to_nearest>;
  using Epi = cutlass::epilogue::fusion::Sm90EVT<Fma, Scale, cutlass::epilogue::fusion::Sm90AccFetch,
                                                 Bias>;

  using CollectiveEpilogue = typename cutlass::epilogue::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, TileShape, ClusterShape,
      cutlass::epilogue::collective::EpilogueTileAuto, float, float, void, LayoutD, kAlignD,
      ElementX, LayoutD, kAlignD, EpilogueSchedule, Epi>::CollectiveOp;

  using CollectiveMainloop = typename cutlass::gemm::collective::CollectiveBuilder<
      cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, ElementQ, LayoutQ, kAlignQ, ElementX,
      LayoutX, kAlignX, float, TileShape, ClusterShape,
      cutlass::gemm::collective::StageCountAutoCarveout<static_cast<int>(
          sizeof(typename CollectiveEpilogue::SharedStorage))>,
      KernelSchedule>::CollectiveOp;

  using Kernel = cutlass::gemm::kernel::GemmUniversal<Shape<int, int, int, int>, CollectiveMainloop,
                                                      CollectiveEpilogue>;
  using Gemm = cutlass::gemm::device::GemmUniversalAdapter<Kernel>;

  // ldo: out's row pitch in elements (p.n for the whole problem; the full N for a slice of the
  // features, see slice_features).
  static void run(const Problem& p, int64_t ldo, int sm_count, cudaStream_t stream) {
    using StrideA = typename Kernel::StrideA;
    using StrideB = typename Kernel::StrideB;
    using StrideD = typename Kernel::StrideD;
    const StrideA sa = cutlass::make_cute_packed_stride(StrideA{}, make_shape(p.n, p.k, 1));
    const StrideB sb = cutlass::make_cute_packed_stride(StrideB{}, make_shape(p.m, p.k, 1));
    StrideD sd = cutlass::make_cute_packed_stride(StrideD{}, make_shape(p.n, p.m, 1));
    get<1>(sd) = ldo;

    typename Gemm::Arguments args;
    args.mode = cutlass::gemm::GemmUniversalMode::kGemm;
    args.problem_shape = {p.n, p.m, p.k, 1};
    args.mainloop = {p.q, sa, static_cast<const ElementX*>(p.x), sb};
    args.epilogue.thread = {
        {p.scales, 0.0f, {}},                                                  // Scale
        {},                                                                    // Acc
        {static_cast<const ElementX*>(p.bias), ElementX(0.0f), {}},           // Bias
        {}};                                                                   // Fma
    args.epilogue.ptr_C = nullptr;
    args.epilogue.dC = sd;
    args.epilogue.ptr_D = static_cast<ElementX*>(p.out);
    args.epilogue.dD = sd;
    args.hw_info.device_id = 0;
    args.hw_info.sm_count = sm_count;

    Gemm gemm;
    if (Gemm::get_workspace_size(args) != 0)
      fail(OCT_STATUS_INTERNAL, "w8a16 sm90 GEMM unexpectedly needs a workspace");
    if (gemm.can_implement(args) != cutlass::Status::kSuccess)
      fail(OCT_STATUS_INTERNAL, "w8a16 sm90 GEMM cannot run M=%d N=%d K=%d", p.m, p.n, p.k);
    // LLM.int8() promoted: runs only when the gate is open; launched with PDL (the gate is read
    // after the wait for the previous kernel, as everything the CUTLASS kernel reads).
    if (p.gate_count != nullptr) {
      launch_gated<Kernel>(Kernel::to_underlying_arguments(args, nullptr),
                           CountGate{p.gate_count, p.gate_above, true}, true, stream);
      return;
    }
    if (gemm.initialize(args, nullptr, stream) != cutlass::Status::kSuccess)
      fail(OCT_STATUS_INTERNAL, "w8a16 sm90 GEMM: initialize failed (M=%d N=%d K=%d)", p.m, p.n,
           p.k);
    if (gemm.run(stream, nullptr, p.pdl) != cutlass::Status::kSuccess)
      fail(OCT_STATUS_INTERNAL, "w8a16 sm90 GEMM: launch failed (M=%d N=%d K=%d)", p.m, p.n, p.k);
    OCT_CUDA_CHECK_LAUNCH("w8a16 sm90 GEMM");
  }
};

template <typename T>
using Huge = Sm90Gemm<T, Shape<_128, _256, _64>, cutlass::gemm::KernelTmaWarpSpecializedCooperative,
                      cutlass::epilogue::TmaWarpSpecializedCooperative>;
template <typename T>
using Wide = Sm90Gemm<T, Shape<_128, _192, _64>, cutlass::gemm::KernelTmaWarpSpecializedCooperative,
                      cutlass::epilogue::TmaWarpSpecializedCooperative>;
template <typename T>
using Large = Sm90Gemm<T, Shape<_128, _128, _64>, cutlass::gemm::KernelTmaWarpSpecializedCooperative,
                       cutlass::epilogue::TmaWarpSpecializedCooperative>;
template <typename T>
using Mid = Sm90Gemm<T, Shape<_128, _64, _64>, cutlass::gemm::KernelTmaWarpSpecializedCooperative,
                     cutlass::epilogue::TmaWarpSpecializedCooperative>;

// Features [n0, n0 + n) of every token: the same GEMM on a slice of q, scales, bias and out (whose
// row pitch stays the whole problem's N). n0 is a multiple of 128 here, so every pointer keeps
// its 16-byte alignment.
template <typename T>
Problem slice_features(const Problem& p, int n0, int n) {
  Problem s = p;
  s.q = p.q + static_cast<int64_t>(n0) * p.k;
  s.scales = p.scales + n0;
  s.bias = p.bias ? static_cast<const T*>(p.bias) + n0 : nullptr;
  s.out = static_cast<T*>(p.out) + n0;
  s.n = n;
  return s;
}

template <typename T>
void run_tile(Sm90Tile tile, const Problem& p, int64_t ldo, int sm_count, cudaStream_t stream) {
  switch (tile) {
    case Sm90Tile::kMid: Mid<T>::run(p, ldo, sm_count, stream); return;
    case Sm90Tile::kLarge: Large<T>::run(p, ldo, sm_count, stream); return;
    case Sm90Tile::kWide: Wide<T>::run(p, ldo, sm_count, stream); return;
    case Sm90Tile::kHuge: Huge<T>::run(p, ldo, sm_count, stream); return;
  }
}

}  // namespace

template <typename T>
void launch_gemm_sm90(const Problem& p, int sm_count, cudaStream_t stream) {
  const Sm90Plan plan = plan_sm90(p.m, p.n, p.k, sm_count, sm90_split_mode());
  run_tile<T>(plan.first, plan.split_n < p.n ? slice_features<T>(p, 0, plan.split_n) : p, p.n,
              sm_count, stream);
  if (plan.split_n < p.n)
    run_tile<T>(plan.rest, slice_features<T>(p, plan.split_n, p.n - plan.split_n), p.n, sm_count,
                stream);
}

}  // namespace octet::cuda::w8a16

#endif  // OCTET_WITH_CUTLASS
