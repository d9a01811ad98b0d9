package dev.octet.quant;

import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;

/**
 * A quantized linear layer {@code y = x W^T + bias} on device tensors: the common face of the
 * W8A8 ({@link Int8Linear}), weight-only ({@link WeightOnlyLinear}) and LLM.int8() layers, so
 * that a model can be built with any of them. x is [M, K] FP16 or BF16; y is [M, N] of x's
 * dtype. A layer owns its device memory: close it.
 */
public interface QuantizedLinear extends AutoCloseable {
  /** The layer's INT8 weight [N, K] (owned by the layer). */
  QuantizedWeight weight();

  /** K. */
  default long inFeatures() {
    return weight().inFeatures();
  }

  /** N. */
  default long outFeatures() {
    return weight().outFeatures();
  }

  /** Enqueues y = x W^T + bias into a caller-owned [M, N] {@code out} of x's dtype. */
  void forwardInto(Tensor x, Tensor out, Stream stream);

  /** y = x W^T + bias as a new [M, N] tensor of x's dtype (the caller closes it). */
  default Tensor forward(Tensor x, Stream stream) {
    if (x == null) {
      throw new IllegalArgumentException("x is null");
    }
    if (x.shape().rank() != 2) {
      throw new IllegalArgumentException("x must be [M, K]; got shape " + x.shape());
    }
    Tensor out = x.context().allocate(x.dtype(), Shape.of(x.shape().dim(0), outFeatures()));
    try {
      forwardInto(x, out, stream);
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  /** Frees the layer's device memory; idempotent. */
  @Override
  void close();
}
