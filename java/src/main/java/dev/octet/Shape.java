package dev.octet;

import java.util.Arrays;

/**
 * The extents of a dense row-major tensor, rank 1 to 4, each at least 1.
 *
 * @param dims the extents, outermost first
 */
public record Shape(long... dims) {
  /** The largest rank liboctet supports ({@code OCT_MAX_RANK}). */
  public static final int MAX_RANK = 4;

  public Shape {
    if (dims == null) {
      throw new IllegalArgumentException("shape: dims is null");
    }
    if (dims.length < 1 || dims.length > MAX_RANK) {
      throw new IllegalArgumentException(
          "shape: rank is " + dims.length + "; must be 1.." + MAX_RANK);
    }
    dims = dims.clone();
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 1) {
        throw new IllegalArgumentException(
            "shape: dims[" + i + "] is " + dims[i] + "; extents must be >= 1");
      }
    }
  }

  public static Shape of(long... dims) {
    return new Shape(dims);
  }

  @Override
  public long[] dims() {
    return dims.clone();
  }

  public int rank() {
    return dims.length;
  }

  public long dim(int i) {
    return dims[i];
  }

  /** The element count, or an IllegalArgumentException when it overflows a long. */
  public long numel() {
    long n = 1;
    for (long d : dims) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
