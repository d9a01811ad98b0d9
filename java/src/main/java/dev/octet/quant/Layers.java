package dev.octet.quant;

import dev.octet.Tensor;

/** Argument checks shared by the linear layers. */
final class Layers {
  private Layers() {}

  /** Checks forwardInto's arguments (x [M, K] with the layer's K, out present); returns M. */
  static long requireInput(QuantizedLinear layer, Tensor x, Tensor out) {
    if (x == null || out == null) {
      throw new IllegalArgumentException(x == null ? "x is null" : "out is null");
    }
    if (x.shape().rank() != 2 || x.shape().dim(1) != layer.inFeatures()) {
      throw new IllegalArgumentException(
          "x must be [M, " + layer.inFeatures() + "]; got shape " + x.shape());
    }
    return x.shape().dim(0);
  }
}
