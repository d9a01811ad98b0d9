package dev.octet.quant.calib;

import dev.octet.quant.QuantScheme;

/**
 * TensorRT's entropy calibration: the clip threshold whose 8-bit quantization loses the least
 * information, measured by the Kullback-Leibler divergence, on a histogram of |x| (default 2048
 * bins). For every candidate i in [128, bins]:
 *
 * <ul>
 *   <li>P = the first i bins, with the mass beyond them (the values that would be clipped) added
 *       to bin i - 1;
 *   <li>Q = the first i bins merged into 128 levels (bin k to level k * 128 / i), each level's
 *       count spread evenly over the bins of that level where P is non-zero;
 *   <li>KL(P || Q) of the normalised P and Q (infinite where Q is 0 and P is not).
 * </ul>
 *
 * The threshold is the upper edge of bin i - 1 for the i of least divergence. Symmetric schemes
 * only.
 */
public final class EntropyObserver extends HistogramObserver {
  /** Quantized levels of |x| in symmetric INT8 (TensorRT's 128). */
  static final int LEVELS = 128;

  public EntropyObserver(QuantScheme scheme) {
    this(scheme, Histogram.DEFAULT_BINS);
  }

  /** @param bins histogram bins: a power of two in [256, 8192] */
  public EntropyObserver(QuantScheme scheme, int bins) {
    super(scheme, bins);
    if (!scheme.symmetric()) {
      throw new IllegalArgumentException(
          "the entropy observer calibrates symmetric schemes only; use percentile or mse for"
              + " asymmetric ones");
    }
    if (bins < 2 * LEVELS) {
      throw new IllegalArgumentException("the entropy observer needs >= 256 bins; got " + bins);
    }
  }

  @Override
  float[] clipRange() {
    long[] hist = histogram.counts();
    int bins = hist.length;
    double[] p = new double[bins];
    double[] q = new double[bins];
    double[] levelMass = new double[LEVELS];
    int[] levelNonZero = new int[LEVELS];
    double bestKl = Double.POSITIVE_INFINITY;
    int bestI = bins;
    for (int i = LEVELS; i <= bins; i++) {
      // P: the first i bins, outliers folded into the last one.
      double outliers = 0;
      for (int k = i; k < bins; k++) {
        outliers += hist[k];
      }
      for (int k = 0; k < i; k++) {
        p[k] = hist[k];
      }
      p[i - 1] += outliers;
      // Q: merge into LEVELS levels, then expand over P's non-zero bins.
      java.util.Arrays.fill(levelMass, 0);
      java.util.Arrays.fill(levelNonZero, 0);
      for (int k = 0; k < i; k++) {
        int level = (int) ((long) k * LEVELS / i);
        levelMass[level] += hist[k];
        if (p[k] > 0) {
          levelNonZero[level]++;
        }
      }
      for (int k = 0; k < i; k++) {
        int level = (int) ((long) k * LEVELS / i);
        q[k] = p[k] > 0 ? levelMass[level] / levelNonZero[level] : 0;
      }
      double kl = klDivergence(p, q, i);
      if (kl < bestKl) {
        bestKl = kl;
        bestI = i;
      }
    }
    float t = (float) Math.min(bestI * histogram.binWidth(), histogram.absmax());
    return new float[] {-t, t};
  }

  /** KL(P || Q) over the first n entries, each normalised to sum 1; +Inf where Q = 0 < P. */
  static double klDivergence(double[] p, double[] q, int n) {
    double sp = 0;
    double sq = 0;
    for (int k = 0; k < n; k++) {
      sp += p[k];
      sq += q[k];
    }
    if (sp == 0 || sq == 0) {
      return Double.POSITIVE_INFINITY;
    }
    double kl = 0;
    for (int k = 0; k < n; k++) {
      if (p[k] == 0) {
        continue;
      }
      if (q[k] == 0) {
        return Double.POSITIVE_INFINITY;
      }
      double pk = p[k] / sp;
      kl += pk * Math.log(pk / (q[k] / sq));
    }
    return kl;
  }

  @Override
  public String name() {
    return "entropy";
  }
}
