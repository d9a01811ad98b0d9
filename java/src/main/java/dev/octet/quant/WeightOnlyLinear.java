package dev.octet.quant;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import java.lang.foreign.MemorySegment;

/**
 * A weight-only INT8 linear layer (W8A16): {@code y = x W'^T + bias}, where W' is the weight
 * quantized to INT8 per output channel or per group of inputs ({@link QuantizedWeight}) and
 * dequantized on the fly, in registers, by liboctet's kernels. Activations and outputs are FP16
 * or BF16; the dot products are accumulated in fp32 and rounded once.
 *
 * <pre>{@code
 * try (WeightOnlyLinear layer = WeightOnlyLinear.quantize(w, bias, 128, stream);
 *     Tensor y = layer.forward(x, stream)) { ... }
 * }</pre>
 *
 * <p>Owns its quantized weight and its copies of the bias; close it to free them.
 */
public final class WeightOnlyLinear implements QuantizedLinear {
  /** The kernels' alignment along K (the input features). */
  public static final int K_ALIGNMENT = 16;

  /** Per-group scales need a group size that is a multiple of this. */
  public static final int GROUP_MULTIPLE = 64;

  private final QuantizedWeight weight;
  private final LayerBias bias; // null without bias

  private WeightOnlyLinear(QuantizedWeight weight, LayerBias bias) {
    this.weight = weight;
    this.bias = bias;
  }

  /**
   * Quantizes {@code weight} ([N, K] FP32, FP16 or BF16, on the layer's backend) with {@link
   * QuantizedWeight#quantize(Tensor, int, Stream)}: per output channel when {@code groupSize} is 0,
   * else per group of {@code groupSize} inputs (a multiple of 64 that divides K). {@code bias} is
   * null or [N] of a floating dtype (kept as FP16 and BF16 copies, so forward matches either
   * activation dtype). K must be a multiple of 16. Waits for {@code stream} once, to copy the bias.
   */
  public static WeightOnlyLinear quantize(Tensor weight, Tensor bias, int groupSize, Stream stream) {
    if (weight == null) {
      throw new IllegalArgumentException("weight is null");
    }
    if (weight.shape().rank() != 2) {
      throw new IllegalArgumentException("weight must be [N, K]; got shape " + weight.shape());
    }
    long n = weight.shape().dim(0);
    long k = weight.shape().dim(1);
    if (k % K_ALIGNMENT != 0) {
      throw new IllegalArgumentException(
          "weight has K = " + k + " input features; the weight-only kernels need a multiple of "
              + K_ALIGNMENT);
    }
    if (groupSize != 0 && (groupSize < 0 || groupSize % GROUP_MULTIPLE != 0 || k % groupSize != 0)) {
      throw new IllegalArgumentException(
          "groupSize is " + groupSize + "; it must be 0 (per channel) or a multiple of "
              + GROUP_MULTIPLE + " that divides K = " + k);
    }
    LayerBias b = LayerBias.of(bias, n, weight.context(), stream);
    try {
      return new WeightOnlyLinear(QuantizedWeight.quantize(weight, groupSize, stream), b);
    } catch (RuntimeException e) {
      if (b != null) {
        b.close();
      }
      throw e;
    }
  }


  /**
   * As {@link #forward}, into a caller-owned [M, N] {@code out} of x's dtype: no allocation and no
   * synchronisation, so it can be captured in a CUDA graph. {@code x} must start at a 16-byte
   * aligned address (a whole tensor always does; a view may not): else an {@link
   * dev.octet.OctetException} with {@link dev.octet.Status#MISALIGNED}.
   */
  @Override
  public void forwardInto(Tensor x, Tensor out, Stream stream) {
    if (x == null) {
      throw new IllegalArgumentException("x is null");
    }
    if (out == null) {
      throw new IllegalArgumentException("out is null");
    }
    Native.check(
        OctetH.oct_gemm_w8a16(
            x.nativeHandle(), weight.values().nativeHandle(), weight.scales().nativeHandle(),
            Native.handleOrNull(LayerBias.forDtype(bias, x.dtype())), out.nativeHandle(),
            Stream.nativeHandle(stream)),
        "oct_gemm_w8a16");
  }

  /** The quantized weight (owned by the layer). */
  @Override
  public QuantizedWeight weight() {
    return weight;
  }

  public boolean hasBias() {
    return bias != null;
  }



  /** Frees the quantized weight and the bias copies; idempotent. */
  @Override
  public void close() {
    weight.close();
    if (bias != null) {
      bias.close();
    }
  }
}
