package dev.octet.quant.calib;

import dev.octet.quant.QuantScheme;

/**
 * An exponential moving average of each batch's min and max: the first batch sets them, then
 * {@code min <- min + c (batch min - min)} and likewise max, with averaging constant c (PyTorch's
 * {@code averaging_constant}; default 0.01). Robust to a rare extreme batch, but order-dependent.
 */
public final class MovingAverageMinMaxObserver extends Observer {
  /** The default averaging constant. */
  public static final double DEFAULT_AVERAGING_CONSTANT = 0.01;

  private final double c;
  private double min;
  private double max;
  private boolean started;

  public MovingAverageMinMaxObserver(QuantScheme scheme) {
    this(scheme, DEFAULT_AVERAGING_CONSTANT);
  }

  /** @param averagingConstant c in (0, 1]: the weight of each new batch */
  public MovingAverageMinMaxObserver(QuantScheme scheme, double averagingConstant) {
    super(scheme);
    if (!(averagingConstant > 0 && averagingConstant <= 1)) {
      throw new IllegalArgumentException(
          "averagingConstant is " + averagingConstant + "; must be in (0, 1]");
    }
    this.c = averagingConstant;
  }

  @Override
  void accept(Batch batch) {
    float[] mm = finiteMinMax(batch);
    if (!started) {
      min = mm[0];
      max = mm[1];
      started = true;
    } else {
      min += c * (mm[0] - min);
      max += c * (mm[1] - max);
    }
  }

  @Override
  float[] clipRange() {
    return new float[] {(float) min, (float) max};
  }

  public double averagingConstant() {
    return c;
  }

  @Override
  public String name() {
    return "moving_average_minmax";
  }
}
