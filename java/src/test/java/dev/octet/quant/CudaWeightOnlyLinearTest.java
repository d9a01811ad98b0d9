package dev.octet.quant;

import dev.octet.Context;
import dev.octet.testing.Gpu;
import org.junit.jupiter.api.Tag;

/** The weight-only INT8 layer on liboctet's CUDA backend. */
@Tag("gpu")
class CudaWeightOnlyLinearTest extends WeightOnlyLinearContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }
}
