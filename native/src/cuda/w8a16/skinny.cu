// W8A16 for small M: the launches of the weight-streaming kernel (skinny_body.cuh).
#include "cuda/common/check.cuh"
#include "cuda/common/pdl.cuh"
#include "cuda/w8a16/skinny_body.cuh"

namespace octet::cuda::w8a16 {
namespace {

using skinny::Shape;

template <typename T, int NT, bool kPerGroup, class S>
__global__ void __launch_bounds__(S::kWarps * 32, S::kMinBlocks) skinny_kernel(Problem p) {
  __shared__ skinny::Scratch<NT, S> red;
  skinny::skinny_body<T, NT, kPerGroup, S>(p, red);
}

// pdl: launch with programmatic stream serialization (sm90+): the kernel may begin while the
// previous kernel on the stream finishes; it waits (griddepcontrol.wait) for that kernel's
// completion and memory before any load or store.
// SC / SG: the launch shape per channel / per group.
template <typename T, int NT, class SC, class SG = SC>
void launch(const Problem& p, bool pdl, cudaStream_t stream) {
  const bool per_group = p.groups > 1;
  const unsigned blocks = static_cast<unsigned>((p.n + skinny::kRows - 1) / skinny::kRows);
  const PdlLaunch l(dim3(blocks, static_cast<unsigned>((p.m + kSliceM - 1) / kSliceM)),
                   dim3((per_group ? SG::kWarps : SC::kWarps) * 32), stream, pdl);
  if (per_group)
    OCT_CUDA_CHECK(cudaLaunchKernelEx(&l.cfg, skinny_kernel<T, NT, true, SG>, p));
  else
    OCT_CUDA_CHECK(cudaLaunchKernelEx(&l.cfg, skinny_kernel<T, NT, false, SC>, p));
  OCT_CUDA_CHECK_LAUNCH("w8a16 skinny_kernel");
}

}  // namespace

// Launch shapes (per channel, per group) by token tile, chosen on the H100 against the one shape
// before them (8 warps, U = 4 / NT, PDL at M <= 8 only; docs/perf-notes-w8a16.md, sixth session):
// M <= 8: 16 warps double buffered (per channel M = 1: (4096, 4096) 9.3 -> 8.0 us, (4096, 11008)
// 21.6 -> 18.1 us); M <= 16: 16 warps / 8 warps double buffered; M <= 32: 8 warps double
// buffered / 8 warps; M <= 64: 8 warps. Programmatic dependent launch up to M = 32 (it cost the
// old shape 0.5-4.5 us at M = 17..32; these shapes gain ~1 us from it).
template <typename T>
void launch_skinny(const Problem& p, bool pdl, cudaStream_t stream) {
  if (p.m <= 8)
    launch<T, 1, skinny::ShapeM8>(p, pdl, stream);
  else if (p.m <= 16)
    launch<T, 2, skinny::ShapeM16PerChannel, Shape<8, 1, true>>(p, pdl, stream);
  else if (p.m <= 32)
    launch<T, 4, Shape<8, 1, true>, Shape<8, 1, false>>(p, pdl, stream);
  else  // M <= 64, and up to kSkinnyLimitM in slices of 64 tokens
    launch<T, 8, Shape<8, 1, false>>(p, false, stream);
}

template void launch_skinny<__half>(const Problem&, bool, cudaStream_t);
template void launch_skinny<__nv_bfloat16>(const Problem&, bool, cudaStream_t);

}  // namespace octet::cuda::w8a16
