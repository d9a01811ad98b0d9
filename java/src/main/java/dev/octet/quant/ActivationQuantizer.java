package dev.octet.quant;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import java.lang.foreign.MemorySegment;

/** INT8 quantization of activations, the first half of a W8A8 linear layer. */
public final class ActivationQuantizer {
  private ActivationQuantizer() {}

  /**
   * Quantizes {@code x} ([M, K] FP16 or BF16) into {@code xq} (INT8 [M, K]) with {@code scales}
   * (FP32 [M] per token, [1] per tensor; read, not written, for the static scheme), enqueued on
   * {@code stream}. {@code smooth} (FP32 [K], or null) multiplies each column first, as
   * SmoothQuant's inverse smoothing factors. Numerics as for weights: scale = max|v| / 127 (1
   * when that is 0), round half to even, clamp to [-127, 127]; a dynamic row or tensor holding
   * NaN/Inf gets scale NaN and zeros; statically, Inf saturates and NaN becomes 0.
   */
  public static void quantizeInto(
      Tensor x, ActivationScheme scheme, Tensor smooth, Tensor xq, Tensor scales, Stream stream) {
    if (scheme == null) {
      throw new IllegalArgumentException("scheme is null");
    }
    Native.check(
        OctetH.oct_quantize_activations(
            Native.handle(x, "x"),
            scheme.code(),
            Native.handleOrNull(smooth),
            Native.handle(xq, "xq"),
            Native.handle(scales, "scales"),
            Stream.nativeHandle(stream)),
        "oct_quantize_activations");
  }

}
