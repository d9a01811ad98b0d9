// CUDA graph capture and replay of a stream's work (see octet.h).
#include <cuda_runtime.h>

#include "backends.hpp"
#include "cuda/common/check.cuh"

namespace octet::cuda {

void stream_begin_capture(const oct_context& context, void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  OCT_CUDA_CHECK(cudaStreamBeginCapture(static_cast<cudaStream_t>(stream),
                                        cudaStreamCaptureModeThreadLocal));
}

void* stream_end_capture(const oct_context& context, void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  cudaGraph_t graph = nullptr;
  OCT_CUDA_CHECK(cudaStreamEndCapture(static_cast<cudaStream_t>(stream), &graph));
  cudaGraphExec_t exec = nullptr;
  cudaError_t err = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  if (err != cudaSuccess) throw_cuda(err, "cudaGraphInstantiate", __FILE__, __LINE__);
  return exec;
}

void graph_launch(const oct_context& context, void* exec, void* stream) {
  OCT_CUDA_USE_DEVICE(context);
  OCT_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec), static_cast<cudaStream_t>(stream)));
}

void graph_destroy(const oct_context& context, void* exec) {
  OCT_CUDA_USE_DEVICE(context);
  OCT_CUDA_CHECK(cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec)));
}

}  // namespace octet::cuda
