package dev.octet.quant;

import dev.octet.Context;

/** Weight quantization (per channel, per group): Java reference vs liboctet's CPU backend. */
class CpuWeightQuantizationTest extends WeightQuantizationContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }
}
