package dev.octet.reference;

/**
 * A per-channel INT8 matrix in host memory: {@code values} row-major [rows, cols], one fp32
 * {@code scales} entry per row.
 */
public record Int8Matrix(byte[] values, float[] scales, int rows, int cols) {
  public Int8Matrix {
    if ((long) rows * cols != values.length || scales.length != rows) {
      throw new IllegalArgumentException(
          "Int8Matrix: " + values.length + " values and " + scales.length
              + " scales do not match [" + rows + ", " + cols + "]");
    }
  }
}
