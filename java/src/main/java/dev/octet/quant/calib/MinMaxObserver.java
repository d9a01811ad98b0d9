package dev.octet.quant.calib;

import dev.octet.quant.QuantScheme;

/** The range of everything observed: [min x, max x] (symmetric schemes use max |x|). */
public final class MinMaxObserver extends Observer {
  private float min = Float.POSITIVE_INFINITY;
  private float max = Float.NEGATIVE_INFINITY;

  public MinMaxObserver(QuantScheme scheme) {
    super(scheme);
  }

  @Override
  void accept(Batch batch) {
    float[] mm = finiteMinMax(batch);
    min = Math.min(min, mm[0]);
    max = Math.max(max, mm[1]);
  }

  @Override
  float[] clipRange() {
    return new float[] {min, max};
  }

  @Override
  public String name() {
    return "minmax";
  }
}
