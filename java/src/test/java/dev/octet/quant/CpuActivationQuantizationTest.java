package dev.octet.quant;

import dev.octet.Context;

/** Activation quantization: Java reference vs liboctet's CPU backend. */
class CpuActivationQuantizationTest extends ActivationQuantizationContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }
}
