package dev.octet.quant;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;

/**
 * A weight W [N, K] quantized symmetrically per output channel to INT8: {@link #values()} [N, K]
 * int8 and {@link #scales()} [N] fp32, so that W ~ values * scales[:, None]. Owns both tensors.
 */
public final class QuantizedWeight implements AutoCloseable {
  private final Tensor values;
  private final Tensor scales;

  private QuantizedWeight(Tensor values, Tensor scales) {
    this.values = values;
    this.scales = scales;
  }

  /**
   * Quantizes {@code weight} ([N, K] FP32, FP16 or BF16) per output row, on the weight's backend,
   * enqueued on {@code stream} (null: the default stream). Scale = max|row| / 127 (1 for an
   * all-zero row); values = round-half-to-even(w / scale) clamped to [-127, 127]. A row holding
   * NaN or Inf gets a NaN scale and zero values: see {@link #nonFiniteRows()}.
   */
  public static QuantizedWeight quantize(Tensor weight, Stream stream) {
    if (weight == null) {
      throw new IllegalArgumentException("weight is null");
    }
    if (weight.shape().rank() != 2) {
      throw new IllegalArgumentException("weight must be [N, K]; got shape " + weight.shape());
    }
    Context ctx = weight.context();
    Tensor q = ctx.allocate(DType.INT8, weight.shape());
    Tensor s = null;
    try {
      s = ctx.allocate(DType.FP32, Shape.of(weight.shape().dim(0)));
      quantizeInto(weight, q, s, stream);
      return new QuantizedWeight(q, s);
    } catch (RuntimeException e) {
      q.close();
      if (s != null) {
        s.close();
      }
      throw e;
    }
  }

  /**
   * As {@link #quantize(Tensor, Stream)}, into caller-owned tensors ({@code values} INT8 [N, K],
   * {@code scales} FP32 [N]): no allocation, so it can be captured in a CUDA graph.
   */
  public static void quantizeInto(Tensor weight, Tensor values, Tensor scales, Stream stream) {
    Native.check(
        OctetH.oct_quantize_per_channel(
            handle(weight, "weight"), handle(values, "values"), handle(scales, "scales"),
            Stream.nativeHandle(stream)),
        "oct_quantize_per_channel");
  }

  /** Takes ownership of existing per-channel {@code values} (INT8 [N, K]) and {@code scales}. */
  public static QuantizedWeight of(Tensor values, Tensor scales) {
    handle(values, "values");
    handle(scales, "scales");
    return new QuantizedWeight(values, scales);
  }

  /** The weight rebuilt as {@code dtype} (FP32, FP16 or BF16): values * scale, rounded. */
  public Tensor dequantize(DType dtype, Stream stream) {
    Tensor out = values.context().allocate(dtype, values.shape());
    try {
      dequantizeInto(out, stream);
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  /** As {@link #dequantize(DType, Stream)}, into a caller-owned [N, K] tensor. */
  public void dequantizeInto(Tensor out, Stream stream) {
    Native.check(
        OctetH.oct_dequantize_per_channel(
            values.nativeHandle(), scales.nativeHandle(), handle(out, "out"),
            Stream.nativeHandle(stream)),
        "oct_dequantize_per_channel");
  }

  private static java.lang.foreign.MemorySegment handle(Tensor t, String name) {
    if (t == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    return t.nativeHandle();
  }

  /**
   * Rows whose weight held NaN or Inf (their scale is NaN), after the default stream's work.
   * Loaders should reject a weight for which this is not empty.
   */
  public int[] nonFiniteRows() {
    float[] s = scales.toFloatArray();
    return java.util.stream.IntStream.range(0, s.length).filter(i -> Float.isNaN(s[i])).toArray();
  }

  /** INT8 [N, K]. */
  public Tensor values() {
    return values;
  }

  /** FP32 [N]. */
  public Tensor scales() {
    return scales;
  }

  public long outFeatures() {
    return values.shape().dim(0);
  }

  public long inFeatures() {
    return values.shape().dim(1);
  }

  /** Frees both tensors; idempotent. */
  @Override
  public void close() {
    values.close();
    scales.close();
  }
}
