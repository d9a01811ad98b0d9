package dev.octet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.testing.Gpu;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class OctetTest {
  @Test
  void versionMatchesTheHeader() {
    assertEquals(
        dev.octet.internal.ffi.OctetH.OCT_VERSION_MAJOR() + "."
            + dev.octet.internal.ffi.OctetH.OCT_VERSION_MINOR() + "."
            + dev.octet.internal.ffi.OctetH.OCT_VERSION_PATCH(),
        Octet.version());
  }

  @Test
  void aDeviceThatDoesNotExistIsAClearError() {
    OctetException e = assertThrows(OctetException.class, () -> Context.cuda(1000));
    assertTrue(
        e.getMessage().contains("'device'") || e.getMessage().contains("CUDA"), e.getMessage());
    OctetException cpu = assertThrows(OctetException.class, () -> Octet.cudaDevice(-1));
    assertTrue(cpu.getMessage().contains("'device'"), cpu.getMessage());
  }

  @Test
  void describeNamesTheBackends() {
    assertTrue(Octet.describe().contains("CPU"));
  }

  @Test
  @Tag("gpu")
  void gpuIsDescribed() {
    Gpu.assumeAvailable();
    DeviceInfo d = Octet.cudaDevice(0);
    assertTrue(d.smMajor() >= 7, d.toString());
    assertTrue(d.totalMemoryBytes() > 0 && d.freeMemoryBytes() <= d.totalMemoryBytes());
    assertTrue(d.multiprocessors() > 0 && !d.name().isBlank());
    System.out.println("[octet] GPU: " + d + " cutlass=" + Octet.isCutlassBuilt());
  }
}
