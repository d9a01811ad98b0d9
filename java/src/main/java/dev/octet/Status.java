package dev.octet;

/** The status codes of liboctet's C ABI ({@code oct_status_t}). */
public enum Status {
  SUCCESS(0),
  INVALID_ARGUMENT(1),
  MISALIGNED(2),
  NOT_SUPPORTED(3),
  ARCH_MISMATCH(4),
  OUT_OF_MEMORY(5),
  CUDA_ERROR(6),
  INTERNAL(7);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The C value. */
  public int code() {
    return code;
  }

  /** The status for a C value; INTERNAL for a value this version does not know. */
  public static Status of(int code) {
    for (Status s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    return INTERNAL;
  }
}
