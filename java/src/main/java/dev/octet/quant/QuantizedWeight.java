package dev.octet.quant;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;

/**
 * A weight W [N, K] quantized symmetrically to INT8, per output channel or per group of inputs:
 * {@link #values()} [N, K] int8 and {@link #scales()} fp32, [N] per channel or [N, K / groupSize]
 * per group, so that W[n, k] ~ values[n, k] * scales[n, k / groupSize]. Owns both tensors. The
 * W8A8, weight-only and LLM.int8() layers all use this type.
 */
public final class QuantizedWeight implements AutoCloseable {
  private final Tensor values;
  private final Tensor scales;

  private QuantizedWeight(Tensor values, Tensor scales) {
    this.values = values;
    this.scales = scales;
  }

  /** Per-channel quantization: {@link #quantize(Tensor, int, Stream)} with groupSize 0. */
  public static QuantizedWeight quantize(Tensor weight, Stream stream) {
    return quantize(weight, 0, stream);
  }

  /**
   * Quantizes {@code weight} ([N, K] FP32, FP16 or BF16) on the weight's backend, enqueued on
   * {@code stream} (null: the default stream): per output row when {@code groupSize} is 0, else
   * per group of {@code groupSize} consecutive inputs (it must divide K). Per row or group: scale
   * = max|w| / 127 (1 when that is 0); values = round-half-to-even(w / scale) clamped to
   * [-127, 127]. A row or group holding NaN or Inf gets a NaN scale and zero values: see
   * {@link #nonFiniteRows()}.
   */
  public static QuantizedWeight quantize(Tensor weight, int groupSize, Stream stream) {
    if (weight == null) {
      throw new IllegalArgumentException("weight is null");
    }
    if (weight.shape().rank() != 2) {
      throw new IllegalArgumentException("weight must be [N, K]; got shape " + weight.shape());
    }
    long n = weight.shape().dim(0);
    long k = weight.shape().dim(1);
    if (groupSize < 0 || (groupSize > 0 && k % groupSize != 0)) {
      throw new IllegalArgumentException(
          "groupSize is " + groupSize + "; it must be 0 (per channel) or divide K = " + k);
    }
    Context ctx = weight.context();
    Tensor q = ctx.allocate(DType.INT8, weight.shape());
    Tensor s = null;
    try {
      s = ctx.allocate(
          DType.FP32, groupSize == 0 || groupSize == k ? Shape.of(n) : Shape.of(n, k / groupSize));
      quantizeInto(weight, groupSize, q, s, stream);
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
   * As {@link #quantize(Tensor, int, Stream)}, into caller-owned tensors ({@code values} INT8
   * [N, K], {@code scales} FP32 [N] or [N, K / groupSize]): no allocation, so it can be captured
   * in a CUDA graph.
   */
  public static void quantizeInto(
      Tensor weight, int groupSize, Tensor values, Tensor scales, Stream stream) {
    Native.check(
        OctetH.oct_quantize_weight(
            Native.handle(weight, "weight"), groupSize, Native.handle(values, "values"),
            Native.handle(scales, "scales"), Stream.nativeHandle(stream)),
        "oct_quantize_weight");
  }

  /**
   * Takes ownership of existing {@code values} (INT8 [N, K]) and {@code scales} (FP32 [N] per
   * channel or [N, G] per group of K / G).
   */
  public static QuantizedWeight of(Tensor values, Tensor scales) {
    Native.handle(values, "values");
    Native.handle(scales, "scales");
    if (values.shape().rank() != 2 || values.dtype() != DType.INT8) {
      throw new IllegalArgumentException("values must be INT8 [N, K]; got " + values);
    }
    Shape s = scales.shape();
    boolean perChannel = s.rank() == 1 && s.dim(0) == values.shape().dim(0);
    boolean perGroup =
        s.rank() == 2 && s.dim(0) == values.shape().dim(0) && values.shape().dim(1) % s.dim(1) == 0;
    if (scales.dtype() != DType.FP32 || !(perChannel || perGroup)) {
      throw new IllegalArgumentException(
          "scales must be FP32 [N] or [N, G] with G dividing K for values " + values.shape()
              + "; got " + scales);
    }
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
        OctetH.oct_dequantize_weight(
            values.nativeHandle(), scales.nativeHandle(), Native.handle(out, "out"),
            Stream.nativeHandle(stream)),
        "oct_dequantize_weight");
  }


  /**
   * Rows whose weight held NaN or Inf (a scale of theirs is NaN), after the default stream's work.
   * Loaders should reject a weight for which this is not empty.
   */
  public int[] nonFiniteRows() {
    float[] s = scales.toFloatArray();
    int perRow = s.length / Math.toIntExact(outFeatures());
    return java.util.stream.IntStream.range(0, s.length)
        .filter(i -> Float.isNaN(s[i]))
        .map(i -> i / perRow)
        .distinct()
        .toArray();
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

  /** Inputs per scale: K for per channel, else the group size. */
  public long groupSize() {
    return scales.shape().rank() == 1 ? inFeatures() : inFeatures() / scales.shape().dim(1);
  }

  /** True when there is one scale per output row. */
  public boolean isPerChannel() {
    return groupSize() == inFeatures();
  }

  /** Frees both tensors; idempotent. */
  @Override
  public void close() {
    values.close();
    scales.close();
  }
}
