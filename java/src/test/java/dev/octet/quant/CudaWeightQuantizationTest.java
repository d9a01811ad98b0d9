package dev.octet.quant;

import dev.octet.Context;
import dev.octet.testing.Gpu;
import org.junit.jupiter.api.Tag;

/** Weight quantization (per channel, per group): Java reference vs liboctet's CUDA backend. */
@Tag("gpu")
class CudaWeightQuantizationTest extends WeightQuantizationContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }
}
