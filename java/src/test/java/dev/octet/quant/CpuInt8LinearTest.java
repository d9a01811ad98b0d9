package dev.octet.quant;

import dev.octet.Context;

/** The W8A8 layer on liboctet's CPU backend: bit-identical to the Java reference pipeline. */
class CpuInt8LinearTest extends Int8LinearContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }

  @Override
  int ulpTolerance() {
    return 0;
  }
}
