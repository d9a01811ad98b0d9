package dev.octet;

/** Element types of tensors ({@code oct_dtype_t}). */
public enum DType {
  INT8(1, 1),
  INT32(2, 4),
  /** IEEE 754 binary16. */
  FP16(3, 2),
  /** bfloat16: the upper 16 bits of a binary32. */
  BF16(4, 2),
  FP32(5, 4);

  private final int code;
  private final int byteSize;

  DType(int code, int byteSize) {
    this.code = code;
    this.byteSize = byteSize;
  }

  /** The C value. */
  public int code() {
    return code;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** True for FP16, BF16 and FP32. */
  public boolean isFloating() {
    return this == FP16 || this == BF16 || this == FP32;
  }

  static DType of(int code) {
    for (DType d : values()) {
      if (d.code == code) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown dtype code " + code);
  }
}
