package dev.octet.quant;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import java.lang.foreign.MemorySegment;

/**
 * INT8 GEMM with int32 accumulation and a fused dequantizing epilogue (liboctet's
 * {@code oct_gemm_s8}): the matrix product of a W8A8 linear layer.
 *
 * <pre>
 *   acc[m, n] = sum_k a[m, k] * b[n, k]                                  (exact, int32)
 *   out[m, n] = fma(aScale[m], (float) acc[m, n] * bScale[n], bias[n])   (fp32, then rounded
 *                                                                          once to out's dtype)
 * </pre>
 *
 * {@code a} is INT8 [M, K] (quantized activations), {@code b} INT8 [N, K] (a {@link
 * QuantizedWeight}'s values: K-major), {@code aScale} FP32 [M] (per token) or [1] (per tensor),
 * {@code bScale} FP32 [N] (per channel) or [1] (per tensor), {@code bias} [N] of out's dtype or
 * null, {@code out} FP16 or BF16 [M, N]. Raw mode: {@code out} INT32 [M, N] receives acc, and the
 * scales and bias must be null. Any shape works on every backend; on CUDA the tensor-core kernels
 * need K % 16 == 0 and N % 8 == 0, other shapes run a slower portable kernel. K is at most
 * 131071 (int32 accumulation cannot overflow).
 */
public final class Int8Gemm {
  private Int8Gemm() {}

  /**
   * Enqueues the GEMM on {@code stream} (null: the context's default stream); no allocation, so
   * it can be captured in a CUDA graph. On the CPU it runs to completion. Bad arguments throw an
   * {@link dev.octet.OctetException} naming the argument; a closed tensor throws
   * IllegalStateException.
   */
  public static void run(
      Tensor a, Tensor b, Tensor aScale, Tensor bScale, Tensor bias, Tensor out, Stream stream) {
    Native.check(
        OctetH.oct_gemm_s8(
            Native.handle(a, "a"),
            Native.handle(b, "b"),
            Native.handleOrNull(aScale),
            Native.handleOrNull(bScale),
            Native.handleOrNull(bias),
            Native.handle(out, "out"),
            Stream.nativeHandle(stream)),
        "oct_gemm_s8");
  }

  /** Raw mode: {@code out} (INT32 [M, N]) = a · b^T, exact. */
  public static void runRaw(Tensor a, Tensor b, Tensor out, Stream stream) {
    run(a, b, null, null, null, out, stream);
  }


}
