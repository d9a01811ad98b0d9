package dev.octet.reference;

/**
 * Quantized activations in host memory: {@code values} row-major [rows, cols] and fp32
 * {@code scales}, one per row (per token) or a single one (per tensor).
 */
public record Int8Activations(byte[] values, float[] scales, int rows, int cols) {
  public Int8Activations {
    if ((long) rows * cols != values.length || (scales.length != rows && scales.length != 1)) {
      throw new IllegalArgumentException(
          "Int8Activations: " + values.length + " values and " + scales.length
              + " scales do not match [" + rows + ", " + cols + "]");
    }
  }

  /** The scale of row {@code r}. */
  public float scale(int r) {
    return scales.length == 1 ? scales[0] : scales[r];
  }
}
