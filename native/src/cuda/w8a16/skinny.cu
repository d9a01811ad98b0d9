// W8A16 for small M: the launches of the weight-streaming kernel (skinny_body.cuh).
#include "cuda/common/check.cuh"
#include "cuda/common/device.hpp"
#include "cuda/common/pdl.cuh"
#include "cuda/w8a16/skinny_body.cuh"

namespace octet::cuda::w8a16 {
namespace {

using skinny::Shape;

// kMultiTile: a block takes Problem::tiles_per_block tiles (two buffers of partial sums; at most
// 64 registers for the 16-warp shape, two blocks per SM: its loop took it from 52-56 to 68-71).
template <typename T, int NT, bool kPerGroup, class S, bool kMultiTile = false>
__global__ void __launch_bounds__(S::kWarps * 32, kMultiTile ? 32 / S::kWarps : S::kMinBlocks)
    skinny_kernel(Problem p) {
  __shared__ skinny::Scratch<NT, S, kMultiTile ? 2 : 1> red;
  skinny::skinny_body<T, NT, kPerGroup, S, kMultiTile>(p, red);
}

// pdl: launch with programmatic stream serialization (sm90+): the kernel may begin while the
// previous kernel on the stream finishes; it waits (griddepcontrol.wait) for that kernel's
// completion and memory before any load or store.
// SC / SG: the launch shape per channel / per group.
// tiles_per_block (per channel, M <= 8; elsewhere one tile per block): 0 chooses as many 16-row
// tiles per block as make the grid one wave, every block resident at once with the same work, so
// that they finish together instead of leaving a last partial wave ((11008, 4096): 688 tiles for
// 264 resident blocks on an H100). Measured on the H100 (docs/perf-notes-w8a16.md, twelfth
// session): 3-4% faster where the grid had several waves at M <= 8 per channel, and no faster at
// M = 16 or per group, where one wave of fewer blocks keeps fewer warps per SM.
template <typename T, int NT, class S, bool kPerGroup>
void launch_shape(Problem p, bool pdl, int device, int sm_count, int tiles_per_block,
                  cudaStream_t stream) {
  const int64_t tiles = (p.n + skinny::kRows - 1) / skinny::kRows;
  const unsigned slices = static_cast<unsigned>((p.m + kSliceM - 1) / kSliceM);
  constexpr auto one = skinny_kernel<T, NT, kPerGroup, S>;
  if constexpr (NT == 2) {
    // The prefetch at M = 9..16 (p.prefetch: allowed) only where the grid is one wave and the two
    // prefetched batches (2 x kWarps chunks of 64) are at most a quarter of a block's K: measured
    // on the H100 (twelfth session) -4% at (4096, 11008) and (4096, 14336), +4% at 4096^2 (half of
    // its K), +8% on grids of several waves.
    p.prefetch = p.prefetch && p.k >= 4 * 2 * S::U * S::kWarps * kChunk &&
                 tiles <= int64_t(resident_blocks<one>(device, S::kWarps * 32)) * sm_count;
  }
  if constexpr (!kPerGroup && NT == 1) {
    constexpr auto multi = skinny_kernel<T, NT, false, S, true>;
    if (tiles_per_block <= 0) {
      const int64_t wave = int64_t(resident_blocks<multi>(device, S::kWarps * 32)) * sm_count;
      tiles_per_block = static_cast<int>((tiles + wave - 1) / wave);
    }
    if (tiles_per_block > 1) {
      p.tiles_per_block = tiles_per_block;
      const unsigned blocks = static_cast<unsigned>((tiles + tiles_per_block - 1) / tiles_per_block);
      const PdlLaunch l(dim3(blocks), dim3(S::kWarps * 32), stream, pdl);
      OCT_CUDA_CHECK(cudaLaunchKernelEx(&l.cfg, multi, p));
      OCT_CUDA_CHECK_LAUNCH("w8a16 skinny_kernel");
      return;
    }
  }
  const PdlLaunch l(dim3(static_cast<unsigned>(tiles), slices), dim3(S::kWarps * 32), stream, pdl);
  OCT_CUDA_CHECK(cudaLaunchKernelEx(&l.cfg, one, p));
  OCT_CUDA_CHECK_LAUNCH("w8a16 skinny_kernel");
}

template <typename T, int NT, class SC, class SG = SC>
void launch(const Problem& p, bool pdl, int device, int sm_count, int tiles_per_block,
            cudaStream_t stream) {
  if (p.groups > 1)
    launch_shape<T, NT, SG, true>(p, pdl, device, sm_count, tiles_per_block, stream);
  else
    launch_shape<T, NT, SC, false>(p, pdl, device, sm_count, tiles_per_block, stream);
}

}  // namespace

// Launch shapes (per channel, per group) by token tile, chosen on the H100 against the one shape
// before them (8 warps, U = 4 / NT, PDL at M <= 8 only; docs/perf-notes-w8a16.md, sixth session):
// M <= 8: 16 warps double buffered (per channel M = 1: (4096, 4096) 9.3 -> 8.0 us, (4096, 11008)
// 21.6 -> 18.1 us); M <= 16: 16 warps / 8 warps double buffered; M <= 32: 8 warps double
// buffered / 8 warps; M <= 64: 8 warps. Programmatic dependent launch up to M = 32 (it cost the
// old shape 0.5-4.5 us at M = 17..32; these shapes gain ~1 us from it).
template <typename T>
void launch_skinny(const Problem& p, bool pdl, int device, int sm_count, int tiles_per_block,
                   cudaStream_t stream) {
  const int d = device, c = sm_count, t = tiles_per_block;
  if (p.m <= 8)
    launch<T, 1, skinny::ShapeM8>(p, pdl, d, c, t, stream);
  else if (p.m <= 16)
    launch<T, 2, skinny::ShapeM16PerChannel, Shape<8, 1, true>>(p, pdl, d, c, t, stream);
  else if (p.m <= 32)
    launch<T, 4, Shape<8, 1, true>, Shape<8, 1, false>>(p, pdl, d, c, t, stream);
  else  // M <= 64, and up to kSkinnyLimitM in slices of 64 tokens
    launch<T, 8, Shape<8, 1, false>>(p, false, d, c, t, stream);
}

template void launch_skinny<__half>(const Problem&, bool, int, int, int, cudaStream_t);
template void launch_skinny<__nv_bfloat16>(const Problem&, bool, int, int, int, cudaStream_t);

}  // namespace octet::cuda::w8a16
