package dev.octet.quant;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;

/**
 * A linear layer's bias [N], kept as FP16 and BF16 copies so that the layer's kernels, whose
 * bias has the activations' dtype, find one for either activation dtype.
 */
final class LayerBias implements AutoCloseable {
  private final Tensor fp16;
  private final Tensor bf16;

  private LayerBias(Tensor fp16, Tensor bf16) {
    this.fp16 = fp16;
    this.bf16 = bf16;
  }

  /**
   * Copies {@code bias} (null, or a floating [n] tensor of {@code context}); null for no bias.
   * Waits for {@code stream} once, to read the bias.
   */
  static LayerBias of(Tensor bias, long n, Context context, Stream stream) {
    if (bias == null) {
      return null;
    }
    if (bias.shape().rank() != 1 || bias.shape().dim(0) != n || !bias.dtype().isFloating()) {
      throw new IllegalArgumentException("bias must be a floating [" + n + "] tensor; got " + bias);
    }
    if (bias.context() != context) {
      throw new IllegalArgumentException("bias and weight belong to different contexts");
    }
    if (stream != null) {
      stream.synchronize();
    }
    float[] b = bias.toFloatArray();
    Tensor h = context.upload(b, DType.FP16, Shape.of(n));
    try {
      return new LayerBias(h, context.upload(b, DType.BF16, Shape.of(n)));
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
  }

  /** The copy for activations of {@code dtype}. */
  Tensor forDtype(DType dtype) {
    return dtype == DType.BF16 ? bf16 : fp16;
  }

  /** The bias of {@code b} for {@code dtype}, or null without bias. */
  static Tensor forDtype(LayerBias b, DType dtype) {
    return b == null ? null : b.forDtype(dtype);
  }

  @Override
  public void close() {
    fp16.close();
    bf16.close();
  }
}
