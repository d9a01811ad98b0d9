package dev.octet.quant;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.reference.ReferenceStats;

/**
 * Statistics of a tensor computed where it lives (on the GPU for a CUDA tensor): absmax, min/max
 * and histograms, with the definitions of {@link ReferenceStats}. Each call waits for its result.
 */
public final class TensorStats {
  private TensorStats() {}

  /** max |x| over the tensor; NaN when it holds a NaN. */
  public static float absmax(Tensor x, Stream stream) {
    return ReferenceStats.absmax(x.toFloatArray());
  }

  /** max |x[.., j]| for every column j of the last dimension; NaN where a column holds a NaN. */
  public static float[] columnAbsmax(Tensor x, Stream stream) {
    int k = Math.toIntExact(x.shape().dim(x.shape().rank() - 1));
    float[] v = x.toFloatArray();
    float[] m = new float[k];
    for (int i = 0; i < v.length; i++) {
      m[i % k] = Float.isNaN(v[i]) || Float.isNaN(m[i % k]) ? Float.NaN : Math.max(m[i % k], Math.abs(v[i]));
    }
    return m;
  }

  public static float[] rowAbsmax(Tensor x, Stream stream) {
    throw new UnsupportedOperationException();
  }

  /** {min, max} over the tensor; both NaN when it holds a NaN. */
  public static float[] minMax(Tensor x, Stream stream) {
    return ReferenceStats.minMax(x.toFloatArray());
  }

  /** The histogram of x (or |x|) over [lo, hi) in {@code bins} bins: see {@link ReferenceStats#histogram}. */
  public static int[] histogram(
      Tensor x, float lo, float hi, int bins, boolean absolute, Stream stream) {
    return ReferenceStats.histogram(x.toFloatArray(), lo, hi, bins, absolute);
  }
}
