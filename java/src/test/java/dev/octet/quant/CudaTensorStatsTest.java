package dev.octet.quant;

import dev.octet.Context;
import dev.octet.testing.Gpu;
import org.junit.jupiter.api.Tag;

/** Tensor statistics: Java reference vs liboctet's CUDA backend. */
@Tag("gpu")
class CudaTensorStatsTest extends TensorStatsContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }
}
