package dev.octet.quant.calib;

import dev.octet.quant.QuantScheme;

/**
 * Clips at a percentile of the observed values (default 99.9): symmetric schemes at the p-th
 * percentile of |x|, asymmetric ones at the (100 - p)-th and p-th percentiles of x. From a
 * streaming histogram (default 2048 bins), interpolated within a bin.
 */
public final class PercentileObserver extends HistogramObserver {
  /** The default percentile. */
  public static final double DEFAULT_PERCENTILE = 99.9;

  private final double percentile;

  public PercentileObserver(QuantScheme scheme) {
    this(scheme, DEFAULT_PERCENTILE, Histogram.DEFAULT_BINS);
  }

  /**
   * @param percentile in (50, 100]
   * @param bins histogram bins: a power of two in [4, 8192]
   */
  public PercentileObserver(QuantScheme scheme, double percentile, int bins) {
    super(scheme, bins);
    if (!(percentile > 50 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile is " + percentile + "; must be in (50, 100]");
    }
    this.percentile = percentile;
  }

  @Override
  float[] clipRange() {
    double p = percentile / 100;
    if (histogram.isAbsolute()) {
      float t = (float) histogram.quantile(p);
      return new float[] {-t, t};
    }
    return new float[] {(float) histogram.quantile(1 - p), (float) histogram.quantile(p)};
  }

  public double percentile() {
    return percentile;
  }

  @Override
  public String name() {
    return "percentile";
  }
}
