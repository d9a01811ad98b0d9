// Entry points for CUDA graph capture and replay.
#include "api/guard.hpp"
#include "api/validate.hpp"
#include "backends.hpp"

using namespace octet;
using namespace octet::api;

namespace {

void require_cuda_stream(oct_stream_t stream) {
  require(stream != nullptr, "argument 'stream' is NULL; capture needs a stream made with "
                             "oct_stream_create (the default stream cannot be captured)");
  if (stream->context->backend != OCT_BACKEND_CUDA)
    fail(OCT_STATUS_NOT_SUPPORTED, "argument 'stream' is a CPU stream; graphs need CUDA");
}

}  // namespace

extern "C" {

OCT_API oct_status_t oct_stream_begin_capture(oct_stream_t stream) {
  return guarded("oct_stream_begin_capture", [&] {
    require_cuda_stream(stream);
#ifdef OCTET_WITH_CUDA
    cuda::stream_begin_capture(*stream->context, stream->handle);
#endif
  });
}

OCT_API oct_status_t oct_stream_end_capture(oct_stream_t stream, oct_graph_t* graph) {
  return guarded("oct_stream_end_capture", [&] {
    require(graph != nullptr, "argument 'graph' is NULL");
    *graph = nullptr;
    require_cuda_stream(stream);
#ifdef OCTET_WITH_CUDA
    void* exec = cuda::stream_end_capture(*stream->context, stream->handle);
    stream->context->refs.fetch_add(1);
    *graph = new oct_graph{stream->context, exec};
#endif
  });
}

OCT_API oct_status_t oct_graph_launch(oct_graph_t graph, oct_stream_t stream) {
  return guarded("oct_graph_launch", [&] {
    require(graph != nullptr, "argument 'graph' is NULL");
    void* s = launch_stream(graph->context, stream);
#ifdef OCTET_WITH_CUDA
    cuda::graph_launch(*graph->context, graph->exec, s);
#endif
    (void)s;
  });
}

OCT_API oct_status_t oct_graph_destroy(oct_graph_t graph) {
  return guarded("oct_graph_destroy", [&] {
    if (graph == nullptr) return;
    oct_context* c = graph->context;
    void* exec = graph->exec;
    delete graph;
#ifdef OCTET_WITH_CUDA
    try {
      cuda::graph_destroy(*c, exec);
    } catch (...) {
      api::release_context(c);
      throw;
    }
#endif
    (void)exec;
    api::release_context(c);
  });
}

}  // extern "C"
