// What the API shims (native/src/api) call: one function per operation and backend. Arguments
// are validated by the shims before they get here; these throw octet::Error on failure.
#pragma once

#include <cstdint>

#include "common/gemm_s8.hpp"
#include "common/llm_int8.hpp"
#include "common/objects.hpp"

namespace octet {

namespace cpu {
// `group` is the group size along K (K itself for per-channel); scales are [N, K / group].
void quantize_weight(const oct_tensor& weight, int64_t group, oct_tensor& q, oct_tensor& scales);
void dequantize_weight(const oct_tensor& q, const oct_tensor& scales, int64_t group,
                       oct_tensor& out);

// x [M, K] fp16/bf16 -> xq int8, scales fp32; smooth: fp32 [K] or nullptr (see octet.h).
void quantize_activations(const oct_tensor& x, oct_act_scheme_t scheme, const float* smooth,
                          oct_tensor& xq, oct_tensor& scales);
// ---- weight-only INT8 (W8A16): out = x * dequant(q, scales)^T (+ bias). `group` is the group
// size along K (K itself per channel); bias may be null.
void gemm_w8a16(const oct_tensor& x, const oct_tensor& q, const oct_tensor& scales,
                int64_t group, const oct_tensor* bias, oct_tensor& out);
// ---- tensor statistics (api/stats.cpp): x viewed as [rows, cols]; out as validated there.
void tensor_absmax(const oct_tensor& x, oct_reduce_t reduce, oct_tensor& out);
void tensor_minmax(const oct_tensor& x, oct_reduce_t reduce, oct_tensor& out);
void tensor_histogram(const oct_tensor& x, float lo, float inv, bool absolute, oct_tensor& counts);
}  // namespace cpu

#ifdef OCTET_WITH_CUDA
namespace cuda {
int32_t device_count();  // 0 without a driver or device
void device_info(int32_t device, oct_device_info_t& info);
void context_init(oct_context& context);     // checks the device, creates the default stream
void context_release(oct_context& context);  // destroys the default stream
void* stream_create(oct_context& context);
void stream_synchronize(const oct_context& context, void* stream);
void stream_destroy(const oct_context& context, void* stream);
void* malloc_device(const oct_context& context, int64_t nbytes);
void free_device(const oct_context& context, void* ptr);
void copy_from_host(const oct_context& context, void* dst, const void* src, int64_t nbytes,
                    void* stream);
void copy_to_host(const oct_context& context, void* dst, const void* src, int64_t nbytes,
                  void* stream);

void quantize_weight(const oct_tensor& weight, int64_t group, oct_tensor& q, oct_tensor& scales,
                     void* stream);
void dequantize_weight(const oct_tensor& q, const oct_tensor& scales, int64_t group,
                       oct_tensor& out, void* stream);
void quantize_activations(const oct_tensor& x, oct_act_scheme_t scheme, const float* smooth,
                          oct_tensor& xq, oct_tensor& scales, void* stream);

void stream_begin_capture(const oct_context& context, void* stream);
void* stream_end_capture(const oct_context& context, void* stream);  // a cudaGraphExec_t
void graph_launch(const oct_context& context, void* exec, void* stream);
void graph_destroy(const oct_context& context, void* exec);

// ---- weight-only INT8 (W8A16); see cpu::gemm_w8a16.
void gemm_w8a16(const oct_tensor& x, const oct_tensor& q, const oct_tensor& scales,
                int64_t group, const oct_tensor* bias, oct_tensor& out, void* stream);

// ---- tensor statistics (api/stats.cpp)
void tensor_absmax(const oct_tensor& x, oct_reduce_t reduce, oct_tensor& out, void* stream);
void tensor_minmax(const oct_tensor& x, oct_reduce_t reduce, oct_tensor& out, void* stream);
void tensor_histogram(const oct_tensor& x, float lo, float inv, bool absolute, oct_tensor& counts,
                      void* stream);
}  // namespace cuda
#endif

// ---- int8 GEMM (api/gemm_s8.cpp; cpu/gemm_s8.cpp; cuda/int8_gemm/)
namespace cpu {
void gemm_s8(const GemmS8Problem& p);
}  // namespace cpu
#ifdef OCTET_WITH_CUDA
namespace cuda {
// Picks a kernel by the device's architecture, the shape's alignment and M; enqueues on `stream`.
void gemm_s8(const oct_context& context, const GemmS8Problem& p, void* stream);
}  // namespace cuda
#endif

// ---- LLM.int8() (api/llm_int8.cpp; cpu/llm_int8.cpp; cuda/llm_int8/): see common/llm_int8.hpp.
namespace cpu {
void linear_llm_int8(const LlmInt8Problem& p);
}  // namespace cpu
#ifdef OCTET_WITH_CUDA
namespace cuda {
// Enqueues the whole decomposition on `stream`: no allocation, no synchronisation.
void linear_llm_int8(const oct_context& context, const LlmInt8Problem& p, void* stream);
}  // namespace cuda
#endif

}  // namespace octet
