package dev.octet.quant;

import dev.octet.Context;

/** The weight-only INT8 layer on liboctet's CPU backend. */
class CpuWeightOnlyLinearTest extends WeightOnlyLinearContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }
}
