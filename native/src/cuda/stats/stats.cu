// Tensor statistics on the GPU: absmax and min/max (over the tensor, per row or per column) and
// histograms. Partial results meet through integer atomics on the keys of common/stats.hpp, so
// the results are bit-identical to the CPU backend whatever the launch shape or the order of
// the atomics. Every launch is on the caller's stream; outputs are initialised inside the call
// (cudaMemsetAsync), nothing is allocated and nothing waits for the device.
#include <cuda_runtime.h>

#include <algorithm>
#include <type_traits>

#include "backends.hpp"
#include "common/stats.hpp"
#include "cuda/common/check.cuh"
#include "cuda/common/types.cuh"

namespace octet::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kChunk = kThreads * 16;  // elements one block reduces per segment (rows / all)
constexpr int64_t kColumnRows = 64;        // rows one thread reduces per column
constexpr int64_t kMaxBlocks = 0x7fffffff;

// Keys of a minmax result live in out[2r] (min key, reduced by atomicMin) and out[2r + 1] (the
// complement of the max key, also reduced by atomicMin), so one memset of 0xff initialises both.
struct AbsmaxOp {
  static constexpr int kWords = 1;
  __device__ static void identity(uint32_t* k) { k[0] = 0u; }
  __device__ static void take(uint32_t* k, float v) { k[0] = max(k[0], stats::absmax_key(v)); }
  __device__ static void combine(uint32_t* k, const uint32_t* o) { k[0] = max(k[0], o[0]); }
  __device__ static void publish(uint32_t* out, const uint32_t* k) { atomicMax(out, k[0]); }
};

struct MinmaxOp {
  static constexpr int kWords = 2;
  __device__ static void identity(uint32_t* k) { k[0] = 0xffffffffu; k[1] = 0xffffffffu; }
  __device__ static void take(uint32_t* k, float v) {
    k[0] = min(k[0], stats::min_key(v));
    k[1] = min(k[1], ~stats::max_key(v));
  }
  __device__ static void combine(uint32_t* k, const uint32_t* o) {
    k[0] = min(k[0], o[0]);
    k[1] = min(k[1], o[1]);
  }
  __device__ static void publish(uint32_t* out, const uint32_t* k) {
    atomicMin(out, k[0]);
    atomicMin(out + 1, k[1]);
  }
};

// Segments: the whole tensor (1 segment) or each row; block b reduces chunk b % chunks of
// segment b / chunks and publishes into that segment's result.
template <oct_dtype_t D, typename Op>
__global__ void __launch_bounds__(kThreads)
reduce_segments_kernel(const typename Element<D>::type* __restrict__ x, uint32_t* __restrict__ out,
                       int64_t seg_len, int64_t chunks) {
  const int64_t seg = blockIdx.x / chunks;
  const int64_t begin = (blockIdx.x % chunks) * kChunk;
  const int64_t end = min(begin + kChunk, seg_len);
  const auto* xs = x + seg * seg_len;
  uint32_t k[Op::kWords];
  Op::identity(k);
  for (int64_t i = begin + threadIdx.x; i < end; i += kThreads) Op::take(k, Element<D>::load(xs[i]));
  for (int off = 16; off > 0; off >>= 1) {
    uint32_t o[Op::kWords];
    for (int w = 0; w < Op::kWords; ++w) o[w] = __shfl_xor_sync(0xffffffffu, k[w], off);
    Op::combine(k, o);
  }
  __shared__ uint32_t warp_keys[kThreads / 32][Op::kWords];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0)
    for (int w = 0; w < Op::kWords; ++w) warp_keys[warp][w] = k[w];
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int i = 1; i < kThreads / 32; ++i) Op::combine(k, warp_keys[i]);
    Op::publish(out + seg * Op::kWords, k);
  }
}

// Columns: thread j of block (bx, by) reduces column bx * kThreads + j over rows
// [by * kColumnRows, (by + 1) * kColumnRows); neighbouring threads read neighbouring columns.
template <oct_dtype_t D, typename Op>
__global__ void __launch_bounds__(kThreads)
reduce_columns_kernel(const typename Element<D>::type* __restrict__ x, uint32_t* __restrict__ out,
                      int64_t rows, int64_t cols, int64_t col_blocks) {
  const int64_t col = (blockIdx.x % col_blocks) * kThreads + threadIdx.x;
  const int64_t row0 = (blockIdx.x / col_blocks) * kColumnRows;
  if (col >= cols) return;
  uint32_t k[Op::kWords];
  Op::identity(k);
  const int64_t row1 = min(row0 + kColumnRows, rows);
  for (int64_t r = row0; r < row1; ++r) Op::take(k, Element<D>::load(x[r * cols + col]));
  Op::publish(out + col * Op::kWords, k);
}

__global__ void decode_minmax_kernel(uint32_t* __restrict__ keys, int64_t n) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < n;
       r += int64_t(gridDim.x) * blockDim.x) {
    float mn, mx;
    stats::decode_minmax(keys[2 * r], ~keys[2 * r + 1], mn, mx);
    keys[2 * r] = stats::bits_of(mn);
    keys[2 * r + 1] = stats::bits_of(mx);
  }
}

// One shared-memory histogram per block, flushed into the global one with atomics.
template <oct_dtype_t D>
__global__ void __launch_bounds__(kThreads)
histogram_kernel(const typename Element<D>::type* __restrict__ x, int64_t n, float lo, float inv,
                 int32_t bins, bool absolute, int32_t* __restrict__ counts) {
  extern __shared__ int32_t local[];
  for (int32_t b = threadIdx.x; b < bins; b += kThreads) local[b] = 0;
  __syncthreads();
  for (int64_t i = blockIdx.x * int64_t(kThreads) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * kThreads) {
    const int32_t b = stats::histogram_bin(Element<D>::load(x[i]), lo, inv, bins, absolute);
    if (b >= 0) atomicAdd(&local[b], 1);
  }
  __syncthreads();
  for (int32_t b = threadIdx.x; b < bins; b += kThreads)
    if (local[b] != 0) atomicAdd(&counts[b], local[b]);
}

template <typename Op>
void reduce(const oct_tensor& x, oct_reduce_t reduce, oct_tensor& out, cudaStream_t stream,
            const char* what) {
  const int64_t cols = x.shape[x.rank - 1];
  const int64_t rows = x.numel / cols;
  auto* keys = static_cast<uint32_t*>(out.data);
  OCT_CUDA_CHECK(cudaMemsetAsync(out.data, Op::kWords == 1 ? 0x00 : 0xff, out.nbytes, stream));
  dispatch_float_dtype(x.dtype, [&](auto d) {
    constexpr oct_dtype_t D = decltype(d)::value;
    const auto* xd = static_cast<const typename Element<D>::type*>(x.data);
    if (reduce == OCT_REDUCE_COLUMNS) {
      const int64_t col_blocks = (cols + kThreads - 1) / kThreads;
      const int64_t blocks = col_blocks * ((rows + kColumnRows - 1) / kColumnRows);
      if (blocks > kMaxBlocks) fail(OCT_STATUS_NOT_SUPPORTED, "%s: tensor too large", what);
      reduce_columns_kernel<D, Op><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
          xd, keys, rows, cols, col_blocks);
    } else {
      const int64_t seg_len = reduce == OCT_REDUCE_ALL ? x.numel : cols;
      const int64_t segments = reduce == OCT_REDUCE_ALL ? 1 : rows;
      const int64_t chunks = (seg_len + kChunk - 1) / kChunk;
      const int64_t blocks = segments * chunks;
      if (blocks > kMaxBlocks) fail(OCT_STATUS_NOT_SUPPORTED, "%s: tensor too large", what);
      reduce_segments_kernel<D, Op><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
          xd, keys, seg_len, chunks);
    }
  });
  OCT_CUDA_CHECK_LAUNCH("reduce kernel");
}

}  // namespace

void tensor_absmax(const oct_tensor& x, oct_reduce_t reduce_over, oct_tensor& out, void* stream) {
  OCT_CUDA_USE_DEVICE(*x.context);
  reduce<AbsmaxOp>(x, reduce_over, out, static_cast<cudaStream_t>(stream), "oct_tensor_absmax");
}

void tensor_minmax(const oct_tensor& x, oct_reduce_t reduce_over, oct_tensor& out, void* stream) {
  OCT_CUDA_USE_DEVICE(*x.context);
  auto s = static_cast<cudaStream_t>(stream);
  reduce<MinmaxOp>(x, reduce_over, out, s, "oct_tensor_minmax");
  const int64_t n = out.numel / 2;
  const int64_t blocks = std::min<int64_t>((n + kThreads - 1) / kThreads, 4096);
  decode_minmax_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, s>>>(
      static_cast<uint32_t*>(out.data), n);
  OCT_CUDA_CHECK_LAUNCH("decode_minmax_kernel");
}

void tensor_histogram(const oct_tensor& x, float lo, float inv, bool absolute, oct_tensor& counts,
                      void* stream) {
  OCT_CUDA_USE_DEVICE(*x.context);
  auto s = static_cast<cudaStream_t>(stream);
  const int32_t bins = static_cast<int32_t>(counts.shape[0]);
  OCT_CUDA_CHECK(cudaMemsetAsync(counts.data, 0, counts.nbytes, s));
  // Enough blocks to fill the GPU, few enough that the shared histograms' flush stays cheap.
  const int64_t blocks = std::clamp<int64_t>((x.numel + kThreads * 16 - 1) / (kThreads * 16), 1, 1024);
  const size_t shared = static_cast<size_t>(bins) * sizeof(int32_t);  // <= 32 KiB: no opt-in
  dispatch_float_dtype(x.dtype, [&](auto d) {
    constexpr oct_dtype_t D = decltype(d)::value;
    histogram_kernel<D><<<static_cast<unsigned>(blocks), kThreads, shared, s>>>(
        static_cast<const typename Element<D>::type*>(x.data), x.numel, lo, inv, bins, absolute,
        static_cast<int32_t*>(counts.data));
  });
  OCT_CUDA_CHECK_LAUNCH("histogram_kernel");
}

}  // namespace octet::cuda
