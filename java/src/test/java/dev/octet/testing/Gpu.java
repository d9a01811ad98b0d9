package dev.octet.testing;

import dev.octet.Octet;
import org.junit.jupiter.api.Assumptions;

/** GPU tests are tagged "gpu" and call {@link #assumeAvailable()} first. */
public final class Gpu {
  private Gpu() {}

  /** Skips the calling test, with the reason, when no CUDA device is usable. */
  public static void assumeAvailable() {
    Assumptions.assumeTrue(
        Octet.isCudaBuilt(), "GPU test skipped: liboctet was built without the CUDA backend");
    Assumptions.assumeTrue(
        Octet.isCudaAvailable(), "GPU test skipped: no CUDA device (no driver or no GPU)");
  }
}
