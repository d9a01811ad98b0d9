package dev.octet;

/**
 * A CUDA device as liboctet sees it.
 *
 * @param ordinal the CUDA device ordinal
 * @param name the marketing name, e.g. "NVIDIA H100 80GB HBM3"
 * @param smMajor compute capability, major
 * @param smMinor compute capability, minor
 * @param multiprocessors streaming multiprocessor count
 * @param totalMemoryBytes device memory
 * @param freeMemoryBytes device memory free when queried
 */
public record DeviceInfo(
    int ordinal,
    String name,
    int smMajor,
    int smMinor,
    int multiprocessors,
    long totalMemoryBytes,
    long freeMemoryBytes) {

  /** "sm_90" style name of the architecture. */
  public String arch() {
    return "sm_" + smMajor + smMinor;
  }
}
