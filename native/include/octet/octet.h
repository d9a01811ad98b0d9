/*
 * octet.h - the C ABI of liboctet, Octet's native library of INT8 quantization kernels.
 *
 * This is the only public header. It is plain C (stdint/stddef only, no CUDA types) so that
 * jextract can generate the Java bindings from it and any language with a C FFI can call it.
 *
 * Conventions
 * - Every entry point returns an oct_status_t. On failure, oct_last_error_message() returns a
 *   thread-local message that names the function, the argument and the value that was wrong.
 *   The message stays valid until the next call into liboctet on the same thread.
 * - No entry point calls exit() or abort(), and no C++ exception crosses this boundary.
 * - Objects with a lifetime are opaque handles: contexts, streams and tensors.
 *   A context picks a backend (the CPU reference backend or one CUDA device). Tensors and streams
 *   belong to the context that created them; every operation checks that all of its tensors and
 *   its stream belong to one context. Destroying a context while tensors or streams made from it
 *   are alive is safe: the context is freed when the last of them is destroyed.
 * - Tensors are dense and row-major (the last dimension is contiguous), of rank 1 to
 *   OCT_MAX_RANK. CPU tensors live in host memory, CUDA tensors in device memory.
 * - Operations are enqueued on the given stream (NULL: the context's default stream) and return
 *   without waiting for the device; they never allocate or synchronise, so they can be captured
 *   in a CUDA graph. On the CPU backend they run to completion before returning.
 *   Host copies (oct_tensor_copy_from_host / oct_tensor_copy_to_host) wait for the stream.
 */
#ifndef OCTET_OCTET_H
#define OCTET_OCTET_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define OCT_API __declspec(dllexport)
#else
#define OCT_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define OCT_VERSION_MAJOR 0
#define OCT_VERSION_MINOR 1
#define OCT_VERSION_PATCH 0
#define OCT_MAX_RANK 4
#define OCT_DEVICE_NAME_CAPACITY 256

/* ---------------------------------------------------------------- status and errors */

typedef enum oct_status {
  OCT_STATUS_SUCCESS = 0,
  OCT_STATUS_INVALID_ARGUMENT = 1, /* null pointer, bad shape, wrong dtype, foreign handle... */
  OCT_STATUS_MISALIGNED = 2,       /* a dimension or address breaks a kernel's alignment rule */
  OCT_STATUS_NOT_SUPPORTED = 3,    /* valid, but this build or backend cannot do it */
  OCT_STATUS_ARCH_MISMATCH = 4,    /* the GPU's architecture has no kernel for this */
  OCT_STATUS_OUT_OF_MEMORY = 5,    /* host or device allocation failed */
  OCT_STATUS_CUDA_ERROR = 6,       /* the CUDA runtime reported an error */
  OCT_STATUS_INTERNAL = 7          /* a bug in liboctet: please report it */
} oct_status_t;

/* Static text for a status code ("success", "invalid argument", ...). Never NULL. */
OCT_API const char* oct_status_string(oct_status_t status);

/* Detail of the last failure on this thread ("" after a success). Never NULL. */
OCT_API const char* oct_last_error_message(void);

/* OCT_VERSION_MAJOR * 10000 + OCT_VERSION_MINOR * 100 + OCT_VERSION_PATCH of the loaded library. */
OCT_API int32_t oct_version(void);

/* ---------------------------------------------------------------- dtypes and backends */

typedef enum oct_dtype {
  OCT_DTYPE_INT8 = 1,
  OCT_DTYPE_INT32 = 2,
  OCT_DTYPE_FP16 = 3, /* IEEE 754 binary16 */
  OCT_DTYPE_BF16 = 4, /* bfloat16: the upper half of a binary32 */
  OCT_DTYPE_FP32 = 5
} oct_dtype_t;

typedef enum oct_backend {
  OCT_BACKEND_CPU = 0, /* the reference backend, always built */
  OCT_BACKEND_CUDA = 1 /* built when a CUDA toolkit was found at build time */
} oct_backend_t;

/* *built = 1 when this library was built with the backend, else 0. */
OCT_API oct_status_t oct_backend_is_built(oct_backend_t backend, int32_t* built);

/* *built = 1 when the CUTLASS kernels were compiled into this library, else 0. */
OCT_API oct_status_t oct_cutlass_is_built(int32_t* built);

/* ---------------------------------------------------------------- CUDA devices */

typedef struct oct_device_info {
  char name[OCT_DEVICE_NAME_CAPACITY]; /* NUL-terminated, e.g. "NVIDIA H100 80GB HBM3" */
  int32_t sm_major;                    /* compute capability, e.g. 9 */
  int32_t sm_minor;                    /* e.g. 0 */
  int32_t multiprocessor_count;
  int32_t reserved;
  int64_t total_memory_bytes;
  int64_t free_memory_bytes;
} oct_device_info_t;

/* Number of usable CUDA devices. 0 (and success) when the library has no CUDA backend, when
 * there is no driver or when there is no device: absence of a GPU is not an error. */
OCT_API oct_status_t oct_cuda_device_count(int32_t* count);

/* Properties of CUDA device `device` (0 <= device < oct_cuda_device_count). */
OCT_API oct_status_t oct_cuda_device_info(int32_t device, oct_device_info_t* info);

/* ---------------------------------------------------------------- contexts and streams */

typedef struct oct_context* oct_context_t;
typedef struct oct_stream* oct_stream_t;

/* A context on `backend`; `device` is the CUDA device ordinal (ignored, and must be 0, for CPU). */
OCT_API oct_status_t oct_context_create(oct_backend_t backend, int32_t device, oct_context_t* out);
/* Releases the caller's reference. NULL is a no-op. */
OCT_API oct_status_t oct_context_destroy(oct_context_t context);

/* A stream of `context` (a non-blocking cudaStream_t on CUDA; a no-op queue on the CPU). */
OCT_API oct_status_t oct_stream_create(oct_context_t context, oct_stream_t* out);
/* The stream's cudaStream_t (as void*), for interoperating with other CUDA code (cuBLAS, events,
 * your own kernels); NULL for a CPU stream. A NULL stream gives NULL. Octet keeps ownership. */
OCT_API oct_status_t oct_stream_get_native(oct_stream_t stream, void** cuda_stream);
/* The cudaStream_t of a context's default stream (NULL on the CPU). */
OCT_API oct_status_t oct_context_get_default_stream(oct_context_t context, void** cuda_stream);
/* Waits until all work enqueued on the stream has finished. */
OCT_API oct_status_t oct_stream_synchronize(oct_stream_t stream);
/* Waits for the stream's work, then destroys it. NULL is a no-op. */
OCT_API oct_status_t oct_stream_destroy(oct_stream_t stream);

/* ---------------------------------------------------------------- tensors */

typedef struct oct_tensor* oct_tensor_t;

typedef struct oct_tensor_desc {
  oct_dtype_t dtype;
  int32_t rank;
  int64_t shape[OCT_MAX_RANK]; /* entries past rank are 1 */
  int64_t numel;
  int64_t nbytes;
  oct_backend_t backend;
  int32_t device;              /* CUDA ordinal, 0 on the CPU */
  void* data;                  /* host pointer (CPU) or device pointer (CUDA) */
} oct_tensor_desc_t;

/* Allocates an uninitialised dense tensor. Every extent must be >= 1 and the byte size must fit
 * in int64. */
OCT_API oct_status_t oct_tensor_create(oct_context_t context, oct_dtype_t dtype, int32_t rank,
                                       const int64_t* shape, oct_tensor_t* out);
/* Frees the tensor's memory (after the context's device work that may use it has been waited
 * for: destroy after synchronising the streams that use it). NULL is a no-op. */
OCT_API oct_status_t oct_tensor_destroy(oct_tensor_t tensor);
OCT_API oct_status_t oct_tensor_describe(oct_tensor_t tensor, oct_tensor_desc_t* out);

/* A view of `base`: the numel(shape) consecutive elements starting at element `offset` (row-major
 * order), with base's dtype and the given shape. No copy; the view keeps base's memory alive
 * until both are destroyed (destroy each). Typical use: the first M rows of a workspace. */
OCT_API oct_status_t oct_tensor_view(oct_tensor_t base, int32_t rank, const int64_t* shape,
                                     int64_t offset, oct_tensor_t* out);

/* Copies nbytes (== the tensor's nbytes) from host memory into the tensor. Enqueued on `stream`
 * (NULL: default), then waits for the stream, so `src` may be reused on return. */
OCT_API oct_status_t oct_tensor_copy_from_host(oct_tensor_t dst, const void* src, int64_t nbytes,
                                               oct_stream_t stream);
/* Copies the tensor's nbytes into host memory, after the work already enqueued on `stream`. */
OCT_API oct_status_t oct_tensor_copy_to_host(oct_tensor_t src, void* dst, int64_t nbytes,
                                             oct_stream_t stream);

/* ---------------------------------------------------------------- weight quantization */

/*
 * Symmetric INT8 quantization of a weight W [N, K] (fp32, fp16 or bf16), with one scale per
 * output row (per channel: group_size == 0 or == K, scales [N]) or per group of `group_size`
 * consecutive inputs of a row (per group: group_size divides K, scales [N, K / group_size]).
 * For each row n and group g (the whole row, per channel):
 *   scale[n,g] = max |W[n,k]| over the group / 127   (fp32 division), or 1.0 when that is 0 (an
 *                all-zero group, or one so tiny that the division underflows)
 *   q[n,k]     = clamp(round_half_to_even(W[n,k] / scale[n,g]), -127, 127)   (fp32 division)
 * A group holding any NaN or +-Inf cannot be represented: its scale is NaN and its q are all 0,
 * so the problem stays visible downstream (dequantized values are NaN) and the other groups are
 * unaffected. The results are bit-identical on every backend.
 *   weight: [N, K] fp32/fp16/bf16;  q: [N, K] int8;  scales: [N] or [N, K / group_size] fp32.
 */
OCT_API oct_status_t oct_quantize_weight(oct_tensor_t weight, int64_t group_size, oct_tensor_t q,
                                         oct_tensor_t scales, oct_stream_t stream);

/*
 * Inverse: out[n,k] = (float)q[n,k] * scale[n, k / group] in fp32, rounded to nearest-even into
 * out's dtype (fp32, fp16 or bf16). The scheme follows from the shape of `scales`: [N] per
 * channel, [N, G] per group of K / G (G must divide K).  q: [N, K] int8;  out: [N, K].
 */
OCT_API oct_status_t oct_dequantize_weight(oct_tensor_t q, oct_tensor_t scales, oct_tensor_t out,
                                           oct_stream_t stream);

/* ---------------------------------------------------------------- CUDA graphs */

typedef struct oct_graph* oct_graph_t;

/*
 * Records the work enqueued on `stream` (a stream of a CUDA context; not NULL) until
 * oct_stream_end_capture, instead of running it, so that it can be replayed with one launch.
 * Every Octet operation can be captured (none allocates or synchronises); host copies cannot.
 * Capture is thread-local: other threads' CUDA work is unaffected. The CPU backend returns
 * OCT_STATUS_NOT_SUPPORTED.
 */
OCT_API oct_status_t oct_stream_begin_capture(oct_stream_t stream);
/* Ends the capture begun on `stream` and instantiates the recorded work as *graph. */
OCT_API oct_status_t oct_stream_end_capture(oct_stream_t stream, oct_graph_t* graph);
/* Enqueues one replay of `graph` on `stream` (a stream of the graph's context, or NULL). */
OCT_API oct_status_t oct_graph_launch(oct_graph_t graph, oct_stream_t stream);
/* NULL is a no-op. */
OCT_API oct_status_t oct_graph_destroy(oct_graph_t graph);

/* ---------------------------------------------------------------- activation quantization */

typedef enum oct_act_scheme {
  OCT_ACT_DYNAMIC_PER_TOKEN = 0,  /* one scale per row, computed here: scales [M] */
  OCT_ACT_DYNAMIC_PER_TENSOR = 1, /* one scale for the tensor, computed here: scales [1] */
  OCT_ACT_STATIC_PER_TENSOR = 2   /* one scale given by the caller (read only): scales [1] */
} oct_act_scheme_t;

/*
 * Symmetric INT8 quantization of activations x [M, K] (fp16 or bf16) in one pass over x (two
 * for the dynamic per-tensor scheme, which needs the whole tensor's maximum first):
 *   v[m,k]  = (float)x[m,k] * smooth[k]    (smooth: optional fp32 [K] per-channel multiplier,
 *                                          e.g. SmoothQuant's 1/s; NULL: v = x)
 *   dynamic: scale = max |v| over the row (per token) or tensor (per tensor) / 127, or 1.0 when
 *            that is 0; written to `scales`
 *   static:  scale = scales[0], given (must be positive and finite)
 *   xq[m,k] = clamp(round_half_to_even(v[m,k] / scale), -127, 127)    (fp32 division)
 * Non-finite input: with a dynamic scheme, a row (per token) or the tensor (per tensor) holding
 * NaN or Inf gets scale NaN and xq = 0, so the GEMM's output is NaN there, visibly. With the
 * static scheme, +-Inf saturates to +-127 and NaN quantizes to 0.
 *   xq: [M, K] int8;  scales: fp32 [M] (per token) or [1] (per tensor).
 */
OCT_API oct_status_t oct_quantize_activations(oct_tensor_t x, oct_act_scheme_t scheme,
                                              oct_tensor_t smooth, oct_tensor_t xq,
                                              oct_tensor_t scales, oct_stream_t stream);
/* ---------------------------------------------------------------- weight-only INT8 (W8A16) */

/*
 * Weight-only INT8 linear layer:
 *   out[m,n] = sum_k x[m,k] * (q[n,k] * w_scale[n, k / group])  (+ bias[n])
 * accumulated in fp32, rounded once to out's dtype. The int8 weight is dequantized in registers,
 * never in memory: every product x * q is exact (q is fed to the arithmetic as an exact
 * fp16/bf16 integer), the fp32 scale multiplies each group's fp32 partial sum (per channel: the
 * whole dot product; per group in Hopper's tensor-core GEMM: the running sum is carried in units
 * of the current group's scale, multiplied by scale[g] / scale[g+1] at each group's end and by
 * the last scale at the end, one fp32 rounding each), and the only other roundings are the fp32
 * additions and the final one (Hopper's GEMM may split K over up to 4 CTAs, whose scaled sums
 * are then added in a fixed order). The order of the fp32 operations differs between backends
 * (the CPU's is documented in native/src/cpu/gemm_w8a16.cpp), so results agree within fp32
 * accumulation error plus one rounding of the output, not bit for bit; each backend is
 * deterministic run to run.
 *   x:       [M, K] fp16 or bf16
 *   q:       [N, K] int8 (as written by oct_quantize_weight)
 *   w_scale: fp32, [N] (per channel) or [N, G] (per group of K / G consecutive inputs). Group
 *            sizes: any multiple of 64 that divides K (64, 128, 256, ...); a G that does not
 *            divide K, or a group size that is not a multiple of 64, is INVALID_ARGUMENT.
 *   bias:    [N] of x's dtype, or NULL
 *   out:     [M, N] of x's dtype
 * Alignment: K % 16 == 0, and x and q start at 16-byte aligned addresses (a whole tensor always
 * does; a view may not), on every backend (else OCT_STATUS_MISALIGNED). M, N and K are at most
 * 2^31 - 1.
 * NaN/Inf in x, or a NaN scale (a non-finite weight group), give NaN outputs where they reach.
 * On CUDA (sm_80 or newer): small M runs a weight-streaming kernel that reads each weight byte
 * once (up to M = 128 in slices of 64 tokens; on Hopper only where it beats the GEMM there:
 * per channel M <= 16 always, per group M <= 64 always); larger M a tensor-core GEMM (on Hopper
 * wgmma: CUTLASS's per channel, except at M = 65..256 where Octet's own fills the SMs better;
 * Octet's own per group). All run on `stream`, allocate nothing
 * and never synchronise (graph-capturable).
 */
OCT_API oct_status_t oct_gemm_w8a16(oct_tensor_t x, oct_tensor_t q, oct_tensor_t w_scale,
                                    oct_tensor_t bias, oct_tensor_t out, oct_stream_t stream);
/* ---------------------------------------------------------------- tensor statistics */

/*
 * Statistics for calibration and outlier analysis, computed where the tensor lives, so that only
 * the (small) results travel. x is a floating tensor (fp32, fp16 or bf16) of any rank, seen as a
 * matrix [R, C]: C its last dimension, R = numel / C. The results are bit-identical on every
 * backend (dev.octet.reference.ReferenceStats is the Java definition).
 */
typedef enum oct_reduce {
  OCT_REDUCE_ALL = 0,    /* one result for the whole tensor */
  OCT_REDUCE_ROWS = 1,   /* one result per row (per token): R results */
  OCT_REDUCE_COLUMNS = 2 /* one result per column (per channel): C results */
} oct_reduce_t;

/*
 * out[i] = max |x| over the reduced elements: fp32 [1] (ALL), [R] (ROWS) or [C] (COLUMNS). A NaN
 * among them makes the result NaN; +-Inf gives +Inf. The output is written in full by the call.
 */
OCT_API oct_status_t oct_tensor_absmax(oct_tensor_t x, oct_reduce_t reduce, oct_tensor_t out,
                                       oct_stream_t stream);

/*
 * out[i, 0] = min x, out[i, 1] = max x over the reduced elements (-0 orders below +0): fp32
 * [1, 2] or [2] (ALL), [R, 2] (ROWS) or [C, 2] (COLUMNS). A NaN among them makes both NaN.
 */
OCT_API oct_status_t oct_tensor_minmax(oct_tensor_t x, oct_reduce_t reduce, oct_tensor_t out,
                                       oct_stream_t stream);

#define OCT_HISTOGRAM_MAX_BINS 8192

/*
 * A histogram of x (absolute == 0) or of |x| (absolute != 0) over [lo, hi) in B equal bins, B =
 * the length of `counts` (int32 [B], 1 <= B <= OCT_HISTOGRAM_MAX_BINS), which the call zeroes and
 * fills. With inv = (float)B / (hi - lo) and t = (v - lo) * inv, each operation in fp32 with
 * round-to-nearest-even, v is counted in bin (int)t clamped to [0, B - 1]: values below lo land in
 * bin 0, values at or above hi (and +-Inf) in bin B - 1; NaN is not counted. With lo = 0 and
 * power-of-two hi and B, every bin index is exact. lo and hi must be finite with lo < hi and inv
 * finite and positive; x may hold at most 2^31 - 1 elements (so that no count overflows).
 */
OCT_API oct_status_t oct_tensor_histogram(oct_tensor_t x, float lo, float hi, int32_t absolute,
                                          oct_tensor_t counts, oct_stream_t stream);
/* ---------------------------------------------------------------- int8 GEMM */

/*
 * INT8 GEMM with int32 accumulation and a fused dequantizing epilogue:
 *   acc[m,n] = sum_k a[m,k] * b[n,k]                         (exact, int32)
 *   out[m,n] = (float)acc[m,n] * a_scale[m|0] * b_scale[n|0] (+ (float)bias[n])   in fp32,
 *              rounded once to out's dtype (fp16 or bf16)
 * a: [M, K] int8 row-major (quantized activations); b: [N, K] int8 row-major, i.e. K-major
 * (the weight layout of oct_quantize_weight); a_scale: fp32 [M] (per token) or [1] (per tensor);
 * b_scale: fp32 [N] (per channel) or [1] (per tensor); bias: [N] of out's dtype, or NULL;
 * out: [M, N] fp16 or bf16. Raw mode: out int32 [M, N] receives acc; a_scale, b_scale and bias
 * must then be NULL.
 *
 * The epilogue, exactly (every backend; IEEE fp32, round to nearest even):
 *   t   = (float)acc[m,n] * b_scale[n|0]           (int32 -> fp32 conversion rounds; one product)
 *   y   = fmaf(a_scale[m|0], t, bias[n])            (one fused multiply-add; bias 0 when NULL)
 *   out = y rounded to nearest even into fp16/bf16 (fp16 overflows to +-Inf)
 * (M = 1 makes a_scale [1] both per token and per tensor: the same thing.)
 *
 * Limits and alignment:
 * - K <= 131071, so that the int32 accumulation cannot overflow (|acc| <= K * 128 * 128);
 *   larger K is OCT_STATUS_NOT_SUPPORTED.
 * - Any M, N, K >= 1 is supported on every backend. On CUDA the tensor-core kernels (CUTLASS:
 *   TMA + wgmma on sm_90, mma.sync on sm_80/sm_86/sm_89) need K % 16 == 0 and N % 8 == 0
 *   (16-byte aligned rows of a, b and out); a shape outside these rules, a GPU without a
 *   tensor-core kernel for it, or a library built without CUTLASS runs a portable tiled CUDA
 *   kernel instead: the same results, several times slower. Pad K and N to use the fast path.
 * - The CPU backend runs to completion before returning; CUDA launches on `stream` (NULL: the
 *   context's default stream) without allocating or synchronising (capturable in a CUDA graph).
 */
OCT_API oct_status_t oct_gemm_s8(oct_tensor_t a, oct_tensor_t b, oct_tensor_t a_scale,
                                 oct_tensor_t b_scale, oct_tensor_t bias, oct_tensor_t out,
                                 oct_stream_t stream);

/* ---------------------------------------------------------------- LLM.int8() */

/* Workspace bytes for oct_linear_llm_int8 at a given M, N, K (each in [1, 2^31-1], K <= 131071).
 * About M*K (int8 activations) + 2*M*K (gathered outlier columns of x) + 2*N*K (of the weight)
 * + 2*M*N (the outlier part) bytes, plus small vectors. */
OCT_API oct_status_t oct_llm_int8_workspace_size(int64_t m, int64_t n, int64_t k, int64_t* bytes);

/*
 * LLM.int8() (Dettmers et al. 2022) linear layer, Y = X W^T (+ bias), W per-channel int8 (q,
 * w_scale [N], as written by oct_quantize_weight with group_size 0):
 *  1. outlier columns: every column j with max_m |X[m,j]| > threshold (a column holding a NaN is
 *     not an outlier; one holding an Inf is). Promotion: with more than K / 32 of them (integer
 *     division) every column is taken as an outlier, the regular part is empty and Y is the
 *     outlier part alone (+ bias), so that with many outliers the layer costs one fp16/bf16
 *     product rather than that and an int8 one. On CUDA a promoted layer is computed as
 *     oct_gemm_w8a16 computes it (per channel: one rounding, no C; bit for bit its result where
 *     K % 16 == 0 and x and q are 16-byte aligned); the CPU backend evaluates steps 2-4;
 *  2. regular part: X with outlier columns zeroed, quantized per token (absmax over the
 *     non-outlier columns only, else exactly as oct_quantize_activations' dynamic per-token
 *     scheme) to int8, int8 GEMM with W (exact int32), dequantized by per-token x per-channel
 *     scales;
 *  3. outlier part: C[m,n] = w_scale[n] * sum over outlier columns j of X[m,j] * q[n,j], in fp32
 *     (every product exact: q enters as an exact fp16/bf16 integer; the order of the additions
 *     is the backend's), rounded once to out's dtype;
 *  4. Y = regular + outlier (+ bias): the outlier part enters the int8 GEMM's epilogue as its
 *     source term, never as a separate full-size add, in the order of oct_gemm_s8's epilogue:
 *       t = (float)acc[m,n] * w_scale[n];  y = fmaf(a_scale[m], t, bias[n] + C[m,n]);
 *     y rounded once to out's dtype. (C is held in out's dtype to halve its memory traffic; see
 *     native/src/cuda/llm_int8/llm_int8.cu.) On sm_90 past decode sizes there is no C: the int8
 *     GEMM's main loop adds the outlier products (exact, in fp32, the tensor cores' order) to the
 *     dequantized accumulator F = (float)acc[m,n] * a_scale[m], then y = fmaf(1, F * w_scale[n],
 *     bias[n]), rounded once to out's dtype.
 * With no outlier column, C is 0 and out equals oct_quantize_activations (dynamic per token)
 * followed by oct_gemm_s8 bit for bit.
 * x [M,K] fp16/bf16; q [N,K] int8; w_scale fp32 [N]; bias [N] x dtype or NULL; out [M,N] x dtype;
 * workspace: an int8 1-D tensor of at least oct_llm_int8_workspace_size bytes (same context),
 * starting at a 16-byte aligned address (a whole tensor always does);
 * outlier_count: optional int32 [1] tensor receiving the number of columns over the threshold
 * (also when promoted; device-side, no sync).
 * threshold must be > 0 and finite (else INVALID_ARGUMENT naming 'threshold').
 * On CUDA: two to six nodes on `stream` (kernels, and a memset past decode sizes), no
 * allocation, no synchronisation: capturable in a CUDA graph; the outlier count stays on the
 * device, so the cost of the outlier part follows the number of outlier columns; both the
 * decomposition and the promoted layer are enqueued and the count picks, on the device, which
 * one works (the other's kernels return at once; an int8 GEMM off sm_90 runs and is
 * overwritten). At decode
 * sizes (M <= 16, on the tensor-core path) the int8 decode kernel computes the outlier part
 * itself (no C); past them the sm_90 int8 GEMM does (in its main loop: no C), and elsewhere a
 * tensor-core outlier GEMM writes C (native/src/cuda/llm_int8/llm_int8.cu). The int8 GEMM takes
 * its tensor-core path when K % 16 == 0 and N % 8 == 0 (as oct_gemm_s8).
 */
OCT_API oct_status_t oct_linear_llm_int8(oct_tensor_t x, float threshold, oct_tensor_t q,
                                         oct_tensor_t w_scale, oct_tensor_t bias,
                                         oct_tensor_t workspace, oct_tensor_t out,
                                         oct_tensor_t outlier_count, oct_stream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* OCTET_OCTET_H */
