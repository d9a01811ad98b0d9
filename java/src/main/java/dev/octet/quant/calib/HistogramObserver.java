package dev.octet.quant.calib;

import dev.octet.quant.QuantScheme;

/**
 * An observer that keeps a {@link Histogram}: of |x| for symmetric schemes, of x for asymmetric
 * ones, and picks the clipping range from it.
 */
public abstract class HistogramObserver extends Observer {
  final Histogram histogram;

  HistogramObserver(QuantScheme scheme, int bins) {
    super(scheme);
    this.histogram = new Histogram(bins, scheme.symmetric());
  }

  @Override
  final void accept(Batch batch) {
    histogram.add(batch);
  }

  /** The histogram so far (live view: do not add to it). */
  public final Histogram histogram() {
    return histogram;
  }
}
