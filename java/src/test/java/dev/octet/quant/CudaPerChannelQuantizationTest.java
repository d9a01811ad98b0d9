package dev.octet.quant;

import dev.octet.Context;
import dev.octet.testing.Gpu;
import org.junit.jupiter.api.Tag;

/** Per-channel quantization: Java reference vs liboctet's CUDA backend. */
@Tag("gpu")
class CudaPerChannelQuantizationTest extends PerChannelQuantizationContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }
}
