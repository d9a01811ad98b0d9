package dev.octet;

import dev.octet.internal.Native;
import dev.octet.internal.NativeLibrary;
import dev.octet.internal.ffi.OctetH;
import dev.octet.internal.ffi.oct_device_info;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Library-wide queries: version, what was built, which GPUs are present. */
public final class Octet {
  static {
    Native.ensureLoaded();
  }

  private Octet() {}

  /** The loaded liboctet's version, "major.minor.patch". */
  public static String version() {
    int v = OctetH.oct_version();
    return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
  }

  /** True when liboctet was built with the CUDA backend. */
  public static boolean isCudaBuilt() {
    return Native.outInt(
            "oct_backend_is_built", out -> OctetH.oct_backend_is_built(Backend.CUDA.code(), out))
        == 1;
  }

  /** True when liboctet was built with the CUTLASS kernels. */
  public static boolean isCutlassBuilt() {
    return Native.outInt("oct_cutlass_is_built", OctetH::oct_cutlass_is_built) == 1;
  }

  /** Usable CUDA devices; 0 without the CUDA backend, a driver or a GPU. */
  public static int cudaDeviceCount() {
    return Native.outInt("oct_cuda_device_count", OctetH::oct_cuda_device_count);
  }

  /** True when at least one CUDA device can be used. */
  public static boolean isCudaAvailable() {
    return cudaDeviceCount() > 0;
  }

  /** Properties of CUDA device {@code ordinal}. */
  public static DeviceInfo cudaDevice(int ordinal) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment info = oct_device_info.allocate(arena);
      Native.check(OctetH.oct_cuda_device_info(ordinal, info), "oct_cuda_device_info");
      return new DeviceInfo(
          ordinal,
          oct_device_info.name(info).getString(0),
          oct_device_info.sm_major(info),
          oct_device_info.sm_minor(info),
          oct_device_info.multiprocessor_count(info),
          oct_device_info.total_memory_bytes(info),
          oct_device_info.free_memory_bytes(info));
    }
  }

  /** All usable CUDA devices. */
  public static List<DeviceInfo> cudaDevices() {
    List<DeviceInfo> list = new ArrayList<>();
    for (int i = 0, n = cudaDeviceCount(); i < n; i++) {
      list.add(cudaDevice(i));
    }
    return list;
  }

  /** One line about this build and machine, for logs. */
  public static String describe() {
    StringBuilder sb = new StringBuilder("Octet ").append(version());
    sb.append(" (liboctet from ").append(NativeLibrary.load()).append("; backends: CPU");
    if (isCudaBuilt()) {
      sb.append(", CUDA").append(isCutlassBuilt() ? " with CUTLASS" : " without CUTLASS");
    }
    sb.append(")");
    List<DeviceInfo> gpus = cudaDevices();
    sb.append(gpus.isEmpty() ? "; no CUDA device" : "; GPUs:");
    for (DeviceInfo d : gpus) {
      sb.append(" [").append(d.ordinal()).append("] ").append(d.name()).append(" (")
          .append(d.arch()).append(", ").append(d.totalMemoryBytes() >> 20).append(" MiB)");
    }
    return sb.toString();
  }
}
