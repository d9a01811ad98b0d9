package dev.octet.reference;

/**
 * A symmetric INT8 matrix in host memory: {@code values} row-major [rows, cols] and fp32
 * {@code scales} row-major [rows, cols / groupSize]; groupSize == cols is per channel (one scale
 * per row). Element (r, c) stands for values[r, c] * scales[r, c / groupSize].
 */
public record Int8Matrix(byte[] values, float[] scales, int rows, int cols, int groupSize) {
  public Int8Matrix {
    if (groupSize < 1 || cols % groupSize != 0) {
      throw new IllegalArgumentException(
          "Int8Matrix: groupSize " + groupSize + " does not divide cols " + cols);
    }
    if ((long) rows * cols != values.length || (long) rows * (cols / groupSize) != scales.length) {
      throw new IllegalArgumentException(
          "Int8Matrix: " + values.length + " values and " + scales.length
              + " scales do not match [" + rows + ", " + cols + "] with groups of " + groupSize);
    }
  }

  /** Scales per row. */
  public int groups() {
    return cols / groupSize;
  }
}
