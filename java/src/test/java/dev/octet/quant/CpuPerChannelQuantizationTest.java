package dev.octet.quant;

import dev.octet.Context;

/** Per-channel quantization: Java reference vs liboctet's CPU backend. */
class CpuPerChannelQuantizationTest extends PerChannelQuantizationContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }
}
