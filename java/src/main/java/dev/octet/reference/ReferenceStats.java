package dev.octet.reference;

/**
 * Tensor statistics of calibration, in Java: the definition that liboctet's {@code
 * oct_tensor_absmax}, {@code oct_tensor_minmax} and {@code oct_tensor_histogram} reproduce (the
 * integer histograms and every non-NaN result bit for bit). Here over a whole array; the native
 * functions also reduce per row or per column.
 */
public final class ReferenceStats {
  private ReferenceStats() {}

  /** max |x|; NaN when x holds a NaN. */
  public static float absmax(float[] x) {
    float m = 0f;
    for (float v : x) {
      if (Float.isNaN(v)) {
        return Float.NaN;
      }
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** {min x, max x} (-0 below +0); both NaN when x holds a NaN. */
  public static float[] minMax(float[] x) {
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      if (Float.isNaN(v)) {
        return new float[] {Float.NaN, Float.NaN};
      }
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return new float[] {lo, hi};
  }

  /**
   * Counts of x (or |x| when {@code absolute}) in {@code bins} equal bins over [lo, hi): with
   * {@code inv = (float) bins / (hi - lo)} and {@code t = (v - lo) * inv} (fp32, each operation
   * rounded), v goes to bin {@code (int) t}, clamped to [0, bins - 1]; values outside [lo, hi)
   * land in the first or last bin; NaN is not counted. With lo = 0 and power-of-two hi and bins
   * every bin index is exact.
   */
  public static int[] histogram(float[] x, float lo, float hi, int bins, boolean absolute) {
    if (bins < 1 || !(lo < hi) || !Float.isFinite(lo) || !Float.isFinite(hi)) {
      throw new IllegalArgumentException(
          "histogram needs bins >= 1 and finite lo < hi; got bins " + bins + ", [" + lo + ", " + hi
              + ")");
    }
    float inv = (float) bins / (hi - lo);
    int[] counts = new int[bins];
    for (float v : x) {
      if (Float.isNaN(v)) {
        continue;
      }
      float t = ((absolute ? Math.abs(v) : v) - lo) * inv;
      counts[binOf(t, bins)]++;
    }
    return counts;
  }

  /** The bin of the scaled value t: (int) t, clamped to [0, bins - 1]. */
  public static int binOf(float t, int bins) {
    return t < 0f ? 0 : t >= bins ? bins - 1 : (int) t;
  }
}
