package dev.octet.quant;

import dev.octet.Context;

/** Tensor statistics: Java reference vs liboctet's CPU backend. */
class CpuTensorStatsTest extends TensorStatsContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }
}
