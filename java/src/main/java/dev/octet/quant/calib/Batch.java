package dev.octet.quant.calib;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.quant.TensorStats;
import dev.octet.reference.ReferenceStats;

/**
 * One calibration batch as the observers see it: its size and the per-batch statistics they
 * need. A host array computes them in Java ({@link ReferenceStats}); a device tensor computes them
 * where it lives, through liboctet ({@link TensorStats}), and only the results come back.
 */
abstract class Batch {
  abstract long size();

  /** max |x|; NaN when the batch holds a NaN. */
  abstract float absmax();

  /** {min, max}; NaN when the batch holds a NaN. */
  abstract float[] minMax();

  /** See {@link ReferenceStats#histogram}. */
  abstract int[] histogram(float lo, float hi, int bins, boolean absolute);

  static Batch of(float[] x) {
    if (x == null || x.length == 0) {
      throw new IllegalArgumentException("a calibration batch must be a non-empty array");
    }
    return new Batch() {
      @Override
      long size() {
        return x.length;
      }

      @Override
      float absmax() {
        return ReferenceStats.absmax(x);
      }

      @Override
      float[] minMax() {
        return ReferenceStats.minMax(x);
      }

      @Override
      int[] histogram(float lo, float hi, int bins, boolean absolute) {
        return ReferenceStats.histogram(x, lo, hi, bins, absolute);
      }
    };
  }

  static Batch of(Tensor t, Stream stream) {
    if (t == null) {
      throw new IllegalArgumentException("a calibration batch must not be null");
    }
    return new Batch() {
      @Override
      long size() {
        return t.numel();
      }

      @Override
      float absmax() {
        return TensorStats.absmax(t, stream);
      }

      @Override
      float[] minMax() {
        return TensorStats.minMax(t, stream);
      }

      @Override
      int[] histogram(float lo, float hi, int bins, boolean absolute) {
        return TensorStats.histogram(t, lo, hi, bins, absolute, stream);
      }
    };
  }
}
