package dev.octet.quant.calib;

import dev.octet.quant.QuantScheme;

/**
 * Clips where the expected mean squared quantization error is smallest, searched over clip
 * values on the histogram. The error of a clip range [a, b] with step s (the scheme's scale for
 * it) is estimated with values spread uniformly within each bin:
 *
 * <pre>
 *   E(a, b) = N_in s^2 / 12  +  sum over the mass outside [a, b] of its squared distance to a or b
 * </pre>
 *
 * (rounding noise of the values kept, uniform over a step, plus the clipping error). Symmetric
 * schemes try b = every bin edge of the |x| histogram (and max |x|), with a = -b; asymmetric ones
 * try [f min, f max] for f = k / 512, k = 1..512.
 */
public final class MseObserver extends HistogramObserver {
  private static final int SHRINK_STEPS = 512;

  public MseObserver(QuantScheme scheme) {
    this(scheme, Histogram.DEFAULT_BINS);
  }

  /** @param bins histogram bins: a power of two in [4, 8192] */
  public MseObserver(QuantScheme scheme, int bins) {
    super(scheme, bins);
  }

  @Override
  float[] clipRange() {
    QuantScheme scheme = scheme();
    long[] counts = histogram.counts();
    float[] best = null;
    double bestError = Double.POSITIVE_INFINITY;
    if (histogram.isAbsolute()) {
      float absmax = histogram.absmax();
      int bins = histogram.bins();
      for (int i = 0; i <= bins; i++) {
        float b = i < bins ? (float) ((i + 1) * histogram.binWidth()) : absmax;
        if (b > absmax || b == 0f) {
          b = absmax;
        }
        double e = expectedError(counts, Double.NEGATIVE_INFINITY, b, scheme.paramsForAbsmax(b).scale());
        if (e < bestError) {
          bestError = e;
          best = new float[] {-b, b};
        }
      }
    } else {
      float lo = Math.min(histogram.min(), 0f);
      float hi = Math.max(histogram.max(), 0f);
      for (int k = 1; k <= SHRINK_STEPS; k++) {
        float f = (float) k / SHRINK_STEPS;
        float a = f * lo;
        float b = f * hi;
        double e = expectedError(counts, a, b, scheme.params(a, b).scale());
        if (e < bestError) {
          bestError = e;
          best = new float[] {a, b};
        }
      }
    }
    return best;
  }

  /** E(a, b) of the class comment, for the histogram's values (|x| when absolute). */
  double expectedError(long[] counts, double a, double b, double step) {
    double w = histogram.binWidth();
    double lo = histogram.lo();
    double kept = 0;
    double clipped = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) {
        continue;
      }
      double l = lo + i * w;
      double u = l + w;
      double density = counts[i] / w;
      if (u > b) { // mass above b, at distance x - b: integral of (x - b)^2 over [max(l, b), u]
        clipped += density * (cube(u - b) - cube(Math.max(l - b, 0))) / 3;
      }
      if (l < a) { // mass below a
        clipped += density * (cube(a - l) - cube(Math.max(a - u, 0))) / 3;
      }
      double inside = Math.min(u, b) - Math.max(l, a);
      if (inside > 0) {
        kept += density * inside;
      }
    }
    return kept * step * step / 12 + clipped;
  }

  private static double cube(double x) {
    return x * x * x;
  }

  @Override
  public String name() {
    return "mse";
  }
}
