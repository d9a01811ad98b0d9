package dev.octet.quant;

import dev.octet.Context;
import dev.octet.testing.Gpu;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;

/**
 * INT8 GEMM: Java reference vs liboctet's CUDA backend, adding the larger shapes (the
 * tensor-core kernels of each M bucket) to the common ones (mostly the portable kernel).
 */
@Tag("gpu")
class CudaInt8GemmTest extends Int8GemmContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }

  /** The GPU may contract or reorder differently from Java: only the derived tolerance holds. */
  @Override
  boolean epilogueBitExact() {
    return false;
  }

  @Override
  Stream<int[]> extraShapes() {
    return Stream.of(
        new int[] {33, 256, 496},
        new int[] {100, 512, 1024},
        new int[] {1, 4096, 4096},
        new int[] {16, 11008, 4096},
        new int[] {128, 4096, 4096},
        new int[] {600, 1024, 1024},
        new int[] {3, 4096, 11008});
  }
}
