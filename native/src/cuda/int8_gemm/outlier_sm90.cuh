// LLM.int8()'s outlier part inside the sm90 int8 GEMM's main loop (cuda/llm_int8/llm_int8.cu):
// after a tile's int8 K blocks, the tile's slices of the gathered outlier columns, xo [M, ld] and
// wo [N, ld] (x's dtype; wo holds q[:, idx] as exact fp16/bf16 integers; both zero-padded to a
// multiple of 32 columns, ld a multiple of the block), run through the same pipeline stages as K
// blocks of fp16/bf16 wgmma with fp32 accumulation into the same registers (only the MMA steps of
// 16 columns below the count):
//
//   F[m, n] = (float)acc[m, n] * a_scale[m] + sum_{i < count} xo[m, i] * wo[n, i]
//
// and the epilogue computes out = fma(1, w_scale[n] * F, bias[n]). With no outlier column the
// consumers only convert, F = (float)acc, and the epilogue is W8A8's, fma(a_scale[m],
// w_scale[n] * F, bias[n]): the same bits as oct_gemm_s8. No C operand, no outlier GEMM.
//
// Pieces:
// - OutlierMainloop<Base, ElementO>: wraps the CollectiveBuilder's int8 mainloop (Base,
//   CUTLASS's MainloopSm90TmaGmmaWarpSpecialized collective) for the three sm90 kernel schedules.
//   A stage of BLK_K int8 columns holds BLK_K / 2 fp16 columns of xo and wo in the same bytes, so
//   the pipeline (and its transaction count) is unchanged; the number of extra stages per tile,
//   ceil(count / (BLK_K / 2)), is read from the device-side count by the producer and the
//   consumers alike, and each keeps its own tile ordinal to shift the pipeline states the kernel
//   passes (which count int8 K blocks only). The tile's a_scale rows ride in the first extra
//   stage (a 1-D TMA into a small buffer per stage), since the consumers do not know their tile.
// - Sm90AccBitsAsFloat: the epilogue's accumulator fetch reading those registers as fp32.
// - Sm90ColBroadcastUnlessCount: a_scale's column broadcast, 1 when the count is non-zero.
// The count is read after the kernel waited for the previous one (LLM.int8() launches these
// kernels behind its gate, cuda/common/gated_cutlass.cuh, whose CTAs wait before they start).
#pragma once

#include <cstdint>

#include "cute/tensor.hpp"
#include "cutlass/arch/grid_dependency_control.h"
#include "cutlass/cutlass.h"
#include "cutlass/epilogue/fusion/sm90_visitor_load_tma_warpspecialized.hpp"
#include "cutlass/gemm/collective/builders/sm90_common.inl"
#include "cutlass/gemm/dispatch_policy.hpp"

namespace octet::cuda::int8_gemm::sm90 {

using namespace cute;

template <class TiledMma>
struct TiledMmaParts;
template <class Atom, class AtomLayout, class Permutation>
struct TiledMmaParts<TiledMMA<Atom, AtomLayout, Permutation>> {
  using Layout = AtomLayout;
  using Perm = Permutation;
};

// The outlier operands and the count, as the GEMM's mainloop arguments carry them.
template <class ElementO>
struct OutlierOperands {
  const ElementO* xo = nullptr;       // [m, ld], zero past the count to a multiple of 16
  const ElementO* wo = nullptr;       // [n, ld], the same
  int64_t ld = 0;                     // a multiple of the block (BLK_K / 2 columns)
  const int32_t* count = nullptr;     // device memory
  const float* a_scale = nullptr;     // [m]
};

template <class Base, class ElementO>
struct OutlierMainloop : Base {
  using typename Base::DispatchPolicy;
  using typename Base::MainloopPipeline;
  using typename Base::PipelineState;
  using typename Base::TileShape;
  using typename Base::TiledMma;
  static constexpr int kStages = DispatchPolicy::Stages;
  static constexpr int kBM = size<0>(TileShape{});
  static constexpr int kBN = size<1>(TileShape{});
  static constexpr int kBK = size<2>(TileShape{});
  static constexpr int kBKo = kBK / 2;  // outlier columns per stage
  using Schedule = typename DispatchPolicy::Schedule;
  static constexpr bool kPingpong =
      std::is_base_of_v<cutlass::gemm::KernelTmaWarpSpecializedPingpong, Schedule>;

  using SmemLayoutAtomAo = decltype(cutlass::gemm::collective::detail::ss_smem_selector<
                                    GMMA::Major::K, ElementO, Int<kBM>, Int<kBKo>>());
  using SmemLayoutAtomBo = decltype(cutlass::gemm::collective::detail::ss_smem_selector<
                                    GMMA::Major::K, ElementO, Int<kBN>, Int<kBKo>>());
  using SmemLayoutAo =
      decltype(tile_to_shape(SmemLayoutAtomAo{}, make_shape(Int<kBM>{}, Int<kBKo>{}, Int<kStages>{})));
  using SmemLayoutBo =
      decltype(tile_to_shape(SmemLayoutAtomBo{}, make_shape(Int<kBN>{}, Int<kBKo>{}, Int<kStages>{})));
  static_assert(cosize_v<SmemLayoutAo> * sizeof(ElementO) == cosize_v<typename Base::SmemLayoutA> &&
                    cosize_v<SmemLayoutBo> * sizeof(ElementO) == cosize_v<typename Base::SmemLayoutB>,
                "an outlier stage must fill an int8 stage's bytes exactly (the pipeline's transaction count)");
  static_assert(sizeof(typename Base::ElementA) == 1 && sizeof(typename Base::ElementB) == 1);

  using TiledMmaO = TiledMMA<
      MMA_Atom<decltype(GMMA::ss_op_selector<ElementO, ElementO, float,
                                             Shape<Int<kBM>, Int<kBN>, Int<kBKo>>>())>,
      typename TiledMmaParts<TiledMma>::Layout, typename TiledMmaParts<TiledMma>::Perm>;

  struct TensorStorage : Base::TensorStorage {
    alignas(128) float scale[kStages][kBM];  // a_scale of the tile's rows, by stage
  };
  using PipelineStorage = typename Base::PipelineStorage;
  struct SharedStorage {
    TensorStorage tensors;
    PipelineStorage pipeline;
  };

  struct Arguments : Base::Arguments {
    OutlierOperands<ElementO> outlier;
  };

  using GmemStride = Stride<int64_t, _1>;
  using TmaXo = decltype(make_tma_copy(
      SM90_TMA_LOAD{},
      make_tensor(static_cast<const ElementO*>(nullptr), make_layout(make_shape(0, int64_t(0)), GmemStride{})),
      SmemLayoutAo{}(_, _, Int<0>{})));
  using TmaWo = decltype(make_tma_copy(
      SM90_TMA_LOAD{},
      make_tensor(static_cast<const ElementO*>(nullptr), make_layout(make_shape(0, int64_t(0)), GmemStride{})),
      SmemLayoutBo{}(_, _, Int<0>{})));
  using TmaScale = decltype(make_tma_copy(
      SM90_TMA_LOAD{}, make_tensor(static_cast<const float*>(nullptr), make_layout(make_shape(0))),
      Layout<Shape<Int<kBM>>>{}));
  static constexpr uint32_t kScaleBytes = kBM * sizeof(float);

  struct Params : Base::Params {
    TmaXo tma_xo;
    TmaWo tma_wo;
    TmaScale tma_scale;
    const int32_t* count = nullptr;
    int m = 0, n = 0;
    int64_t ld = 0;
  };

  template <class ProblemShape>
  static Params to_underlying_arguments(ProblemShape const& problem_shape, Arguments const& args,
                                        void* workspace) {
    auto [M, N, K, L] = append<4>(problem_shape, 1);
    Params p;
    static_cast<typename Base::Params&>(p) = Base::to_underlying_arguments(problem_shape, args, workspace);
    const OutlierOperands<ElementO>& o = args.outlier;
    p.tma_xo = make_tma_copy(SM90_TMA_LOAD{},
                             make_tensor(o.xo, make_layout(make_shape(int(M), o.ld), GmemStride{o.ld, _1{}})),
                             SmemLayoutAo{}(_, _, Int<0>{}));
    p.tma_wo = make_tma_copy(SM90_TMA_LOAD{},
                             make_tensor(o.wo, make_layout(make_shape(int(N), o.ld), GmemStride{o.ld, _1{}})),
                             SmemLayoutBo{}(_, _, Int<0>{}));
    p.tma_scale = make_tma_copy(SM90_TMA_LOAD{}, make_tensor(o.a_scale, make_layout(make_shape(int(M)))),
                                Layout<Shape<Int<kBM>>>{});
    p.count = o.count;
    p.m = int(M);
    p.n = int(N);
    p.ld = o.ld;
    return p;
  }

  template <class ProblemShape>
  static bool can_implement(ProblemShape const& problem_shape, Arguments const& args) {
    const OutlierOperands<ElementO>& o = args.outlier;
    auto aligned = [](const void* ptr) { return reinterpret_cast<uintptr_t>(ptr) % 16 == 0; };
    return Base::can_implement(problem_shape, args) && o.count != nullptr && aligned(o.xo) &&
           aligned(o.wo) && aligned(o.a_scale) && o.ld > 0 && o.ld % kBKo == 0;
  }

  CUTLASS_DEVICE static void prefetch_tma_descriptors(Params const& p) {
    Base::prefetch_tma_descriptors(p);
    cute::prefetch_tma_descriptor(p.tma_xo.get_tma_descriptor());
    cute::prefetch_tma_descriptor(p.tma_wo.get_tma_descriptor());
    cute::prefetch_tma_descriptor(p.tma_scale.get_tma_descriptor());
  }

  // Extra stages per tile (the same in every thread of the grid). The caller has waited for the
  // kernel that wrote the count.
  CUTLASS_DEVICE int extra_stages(Params const& p) {
    if (extra_ < 0) {
      count_ = *p.count;
      const int64_t blocks = (int64_t(count_) + kBKo - 1) / kBKo;
      extra_ = int(blocks < p.ld / kBKo ? blocks : p.ld / kBKo);
    }
    return extra_;
  }

  // ---- producer

  template <class TensorA, class TensorB, class KTileIterator, class BlockCoord>
  CUTLASS_DEVICE void load(Params const& p, MainloopPipeline pipeline, PipelineState state,
                           cute::tuple<TensorA, TensorB> const& load_inputs,
                           BlockCoord const& blk_coord, KTileIterator k_tile_iter, int k_tile_count,
                           int thread_idx, uint32_t block_rank_in_cluster, TensorStorage& shared) {
    const int extra = extra_stages(p);
    state.advance(tiles_ * extra);  // the kernel's state counts int8 K blocks only
    ++tiles_;
    Base::load(p, pipeline, state, load_inputs, blk_coord, k_tile_iter, k_tile_count, thread_idx,
               block_rank_in_cluster, shared);
    if (extra == 0) return;
    state.advance(k_tile_count);
    if (cute::elect_one_sync()) {
      Tensor sAo = make_tensor(make_smem_ptr(reinterpret_cast<ElementO*>(shared.smem_A.data())), SmemLayoutAo{});
      Tensor sBo = make_tensor(make_smem_ptr(reinterpret_cast<ElementO*>(shared.smem_B.data())), SmemLayoutBo{});
      Tensor sS = make_tensor(make_smem_ptr(&shared.scale[0][0]), make_layout(make_shape(Int<kBM>{}, Int<kStages>{})));
      auto m_coord = get<0>(blk_coord);
      auto n_coord = get<1>(blk_coord);
      Tensor gXo = local_tile(p.tma_xo.get_tma_tensor(make_shape(p.m, p.ld)),
                              make_shape(Int<kBM>{}, Int<kBKo>{}), make_coord(m_coord, _));  // (BM, BKo, e)
      Tensor gWo = local_tile(p.tma_wo.get_tma_tensor(make_shape(p.n, p.ld)),
                              make_shape(Int<kBN>{}, Int<kBKo>{}), make_coord(n_coord, _));  // (BN, BKo, e)
      Tensor gS = local_tile(p.tma_scale.get_tma_tensor(make_shape(p.m)), make_shape(Int<kBM>{}),
                             make_coord(m_coord));  // (BM)
      auto cta_xo = p.tma_xo.get_slice(Int<0>{});
      auto cta_wo = p.tma_wo.get_slice(Int<0>{});
      auto cta_s = p.tma_scale.get_slice(Int<0>{});
      Tensor tXg = cta_xo.partition_S(gXo);  // (TMA, TMA_M, TMA_K, e)
      Tensor tXs = cta_xo.partition_D(sAo);  // (TMA, TMA_M, TMA_K, PIPE)
      Tensor tWg = cta_wo.partition_S(gWo);
      Tensor tWs = cta_wo.partition_D(sBo);
      Tensor tSg = cta_s.partition_S(gS);    // (TMA, TMA_M)
      Tensor tSs = cta_s.partition_D(sS);    // (TMA, TMA_M, PIPE)
      for (int i = 0; i < extra; ++i) {
        pipeline.producer_acquire(state);
        auto* barrier = pipeline.producer_get_barrier(state);
        const int stage = state.index();
        if (i == 0) {  // before any copy of the stage lands: the phase cannot complete early
          pipeline.producer_expect_transaction(state, kScaleBytes);
          copy(p.tma_scale.with(*barrier), tSg, tSs(_, _, stage));
        }
        copy(p.tma_xo.with(*barrier), tXg(_, _, _, i), tXs(_, _, _, stage));
        copy(p.tma_wo.with(*barrier), tWg(_, _, _, i), tWs(_, _, _, stage));
        ++state;
      }
    }
  }

  CUTLASS_DEVICE void load_tail(MainloopPipeline pipeline, PipelineState state) {
    state.advance(tiles_ * (extra_ < 0 ? 0 : extra_));
    Base::load_tail(pipeline, state);
  }

  // ---- consumers

  template <class FrgTensorC>
  CUTLASS_DEVICE void mma(MainloopPipeline pipeline, PipelineState state, FrgTensorC& accum,
                          int k_tile_count, int thread_idx, TensorStorage& shared,
                          Params const& p) {
    cutlass::arch::wait_on_dependent_grids();  // (the count; a no-op when already waited)
    const int extra = extra_stages(p);
    // The CTA's tile ordinal: ping-pong warp groups take alternate tiles.
    const int tile = kPingpong ? 2 * tiles_ + (cutlass::canonical_warp_group_idx() - 1) : tiles_;
    ++tiles_;
    state.advance(tile * extra);
    Base::mma(pipeline, state, accum, k_tile_count, thread_idx, shared, p);
    Base::mma_tail(pipeline, state, k_tile_count);  // all int8 MMAs done, their stages released
    state.advance(k_tile_count);

    static_assert(sizeof(typename FrgTensorC::value_type) == 4);
    Tensor acc_f = recast<float>(accum);
    if (extra == 0) {
      CUTLASS_PRAGMA_UNROLL
      for (int i = 0; i < size(accum); ++i) acc_f(i) = static_cast<float>(accum(i));
      return;
    }
    // F = acc * a_scale[row], then the outlier blocks accumulate into it in fp32.
    pipeline.consumer_wait(state, pipeline.consumer_try_wait(state));
    {
      Tensor coord = TiledMma{}.get_slice(thread_idx).partition_C(
          make_identity_tensor(make_shape(Int<kBM>{}, Int<kBN>{})));
      const float* scale = shared.scale[state.index()];
      CUTLASS_PRAGMA_UNROLL
      for (int i = 0; i < size(accum); ++i)
        acc_f(i) = static_cast<float>(accum(i)) * scale[get<0>(coord(i))];
    }
    Tensor sAo = make_tensor(make_smem_ptr(reinterpret_cast<ElementO*>(shared.smem_A.data())), SmemLayoutAo{});
    Tensor sBo = make_tensor(make_smem_ptr(reinterpret_cast<ElementO*>(shared.smem_B.data())), SmemLayoutBo{});
    TiledMmaO mma_o;
    mma_o.accumulate_ = GMMA::ScaleOut::One;
    constexpr int kWarpGroups = size(TiledMmaO{}) / cutlass::NumThreadsPerWarpGroup;
    auto thr = mma_o.get_slice(make_layout(Int<kWarpGroups>{}, Int<cutlass::NumThreadsPerWarpGroup>{})(
        __shfl_sync(0xffffffffu, thread_idx / cutlass::NumThreadsPerWarpGroup, 0)));
    Tensor tCrA = thr.make_fragment_A(thr.partition_A(sAo));  // (MMA, MMA_M, MMA_K, PIPE)
    Tensor tCrB = thr.make_fragment_B(thr.partition_B(sBo));  // (MMA, MMA_N, MMA_K, PIPE)
    // The MMA steps of a block past the count would add zeros: skipped (8 outliers: one of four).
    constexpr int kSteps = size<2>(decltype(tCrA){});
    constexpr int kStepCols = kBKo / kSteps;
    for (int i = 0; i < extra; ++i) {
      if (i > 0) pipeline.consumer_wait(state, pipeline.consumer_try_wait(state));
      const int stage = state.index();
      const int steps = (count_ - i * kBKo + kStepCols - 1) / kStepCols;
      warpgroup_fence_operand(acc_f);
      warpgroup_arrive();
      CUTLASS_PRAGMA_UNROLL
      for (int k = 0; k < kSteps; ++k)
        if (k < steps) cute::gemm(mma_o, tCrA(_, _, k, stage), tCrB(_, _, k, stage), acc_f);
      warpgroup_commit_batch();
      warpgroup_wait<0>();
      warpgroup_fence_operand(acc_f);
      pipeline.consumer_release(state);
      ++state;
    }
  }

  // Done in mma (the int8 stages before the outlier ones, these after them).
  CUTLASS_DEVICE void mma_tail(MainloopPipeline, PipelineState, int) {}

 private:
  int tiles_ = 0;   // tiles this thread has loaded or computed
  int extra_ = -1;  // extra stages per tile, once read
  int count_ = 0;   // outlier columns
};

// ---- epilogue nodes

// The accumulator registers read as fp32 (OutlierMainloop converted them in place).
struct Sm90AccBitsAsFloat : cutlass::epilogue::fusion::Sm90VisitorImpl<> {
  using cutlass::epilogue::fusion::Sm90VisitorImpl<>::Sm90VisitorImpl;

  struct ConsumerStoreCallbacks : cutlass::epilogue::fusion::EmptyConsumerStoreCallbacks {
    template <typename ElementAccumulator, int FragmentSize>
    CUTLASS_DEVICE cutlass::Array<float, FragmentSize> visit(
        cutlass::Array<ElementAccumulator, FragmentSize> const& frg_acc, int, int, int) {
      static_assert(sizeof(ElementAccumulator) == sizeof(float));
      cutlass::Array<float, FragmentSize> r;
      CUTLASS_PRAGMA_UNROLL
      for (int i = 0; i < FragmentSize; ++i) r[i] = reinterpret_cast<const float&>(frg_acc[i]);
      return r;
    }
  };

  template <bool ReferenceSrc, class... Args>
  CUTLASS_DEVICE auto get_consumer_store_callbacks(
      cutlass::epilogue::fusion::ConsumerStoreArgs<Args...> const&) {
    return ConsumerStoreCallbacks{};
  }
};

// A column broadcast (Base: Sm90ColBroadcast of a_scale) that reads as 1 when *count > 0: the
// mainloop has then applied a_scale already.
template <class Base>
struct Sm90ColBroadcastUnlessCount : Base {
  struct Arguments {
    typename Base::Arguments base;
    const int32_t* count = nullptr;
  };
  struct Params {
    typename Base::Params base;
    const int32_t* count = nullptr;
  };
  using typename Base::SharedStorage;

  template <class ProblemShape>
  static constexpr Params to_underlying_arguments(ProblemShape const& shape, Arguments const& args,
                                                  void* workspace) {
    return {Base::to_underlying_arguments(shape, args.base, workspace), args.count};
  }
  template <class ProblemShape>
  static bool can_implement(ProblemShape const& shape, Arguments const& args) {
    return args.count != nullptr && Base::can_implement(shape, args.base);
  }
  template <class ProblemShape>
  static size_t get_workspace_size(ProblemShape const&, Arguments const&) { return 0; }
  template <class ProblemShape>
  static cutlass::Status initialize_workspace(ProblemShape const&, Arguments const&, void*,
                                              cudaStream_t, cutlass::CudaHostAdapter* = nullptr) {
    return cutlass::Status::kSuccess;
  }

  CUTLASS_HOST_DEVICE Sm90ColBroadcastUnlessCount() {}
  CUTLASS_HOST_DEVICE Sm90ColBroadcastUnlessCount(Params const& params, SharedStorage const& shared)
      : Base(adjusted(params), shared) {}

  CUTLASS_HOST_DEVICE static typename Base::Params adjusted(Params const& params) {
    typename Base::Params p = params.base;
#if defined(__CUDA_ARCH__)
    if (*params.count > 0) {
      p.ptr_col = nullptr;
      p.null_default = 1.0f;
    }
#endif
    return p;
  }
};

}  // namespace octet::cuda::int8_gemm::sm90
