package dev.octet.checkpoint;

/** The element types of the safetensors format, by their header name ("I8", "BF16", ...). */
public enum SafetensorsDType {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E4M3(1),
  F8_E5M2(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  I64(8),
  U64(8),
  F64(8);

  private final int byteSize;

  SafetensorsDType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The dtype of a header name, or null when the name is not one of the format's. */
  public static SafetensorsDType parse(String name) {
    for (SafetensorsDType d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
