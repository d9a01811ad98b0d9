package dev.octet.quant.calib;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.quant.QuantScheme;

/**
 * Watches the values of one tensor (a layer's input) over calibration batches, in bounded memory
 * (running statistics or a fixed-size {@link Histogram}; never the batches themselves), and
 * produces a static per-tensor scale and zero point for its {@link QuantScheme}.
 *
 * <p>Batches are host arrays or device tensors; for a tensor the statistics (min/max, absmax,
 * histogram) are computed on its device and only they come back. The order of the values within
 * a batch does not matter, so any shape is fine. Batches holding NaN or Inf are rejected with an
 * IllegalArgumentException.
 */
public abstract class Observer {
  private final QuantScheme scheme;
  private long count;

  /** {@code scheme} must be static and per tensor. */
  protected Observer(QuantScheme scheme) {
    if (scheme == null) {
      throw new IllegalArgumentException("scheme is null");
    }
    if (scheme.dynamic() || scheme.granularity() != QuantScheme.Granularity.PER_TENSOR) {
      throw new IllegalArgumentException(
          "observers calibrate static per-tensor scales; the scheme is "
              + (scheme.dynamic() ? "dynamic " : "") + scheme.granularity());
    }
    this.scheme = scheme;
  }

  /** Observes a host batch. */
  public final void observe(float[] batch) {
    observe(Batch.of(batch));
  }

  /** Observes a tensor, on the default stream. */
  public final void observe(Tensor batch) {
    observe(batch, null);
  }

  /** Observes a tensor; its statistics are computed on its device, on {@code stream}. */
  public final void observe(Tensor batch, Stream stream) {
    observe(Batch.of(batch, stream));
  }

  final void observe(Batch batch) {
    accept(batch);
    count += batch.size();
  }

  /** Takes one batch's statistics. */
  abstract void accept(Batch batch);

  /** The range [lo, hi] to quantize, from what was observed. */
  abstract float[] clipRange();

  /** The static scale and zero point; IllegalStateException before the first batch. */
  public final QuantScheme.Params params() {
    if (count == 0) {
      throw new IllegalStateException(name() + " observer: no batch observed");
    }
    float[] r = clipRange();
    return scheme.params(r[0], r[1]);
  }

  /** The observer's name, as recorded in checkpoints ("minmax", "percentile", ...). */
  public abstract String name();

  public final QuantScheme scheme() {
    return scheme;
  }

  /** Values observed. */
  public final long count() {
    return count;
  }

  static float[] finiteMinMax(Batch batch) {
    float[] mm = batch.minMax();
    if (!Float.isFinite(mm[0]) || !Float.isFinite(mm[1])) {
      throw new IllegalArgumentException(
          "a calibration batch holds a non-finite value (min " + mm[0] + ", max " + mm[1] + ")");
    }
    return mm;
  }
}
