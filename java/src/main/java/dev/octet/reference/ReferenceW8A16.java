package dev.octet.reference;

/**
 * The Java reference of the weight-only INT8 linear layer (W8A16), in float64:
 *
 * <pre>
 *   y[m, n] = sum_k x[m, k] * (q[n, k] * scale[n, k / groupSize])  + bias[n]
 * </pre>
 *
 * <p>Exact up to double rounding; the backends accumulate in fp32 and round once to fp16/bf16,
 * and are checked against this within a tolerance derived from that.
 */
public final class ReferenceW8A16 {
  private ReferenceW8A16() {}

  /**
   * y [m, w.rows()] for x [m, w.cols()] (row-major) and the INT8 weight {@code w}; {@code bias}
   * is null or of length w.rows().
   */
  public static double[] linear(float[] x, int m, Int8Matrix w, float[] bias) {
    int n = w.rows();
    int k = w.cols();
    if ((long) m * k != x.length) {
      throw new IllegalArgumentException(
          "x has " + x.length + " elements; [" + m + ", " + k + "] needs " + (long) m * k);
    }
    if (bias != null && bias.length != n) {
      throw new IllegalArgumentException("bias has " + bias.length + " elements; expected " + n);
    }
    double[] y = new double[m * n];
    double[] row = new double[k];
    for (int j = 0; j < n; j++) {
      for (int c = 0; c < k; c++) { // the dequantized weight row, exact in double
        row[c] = (double) w.values()[j * k + c] * w.scales()[j * w.groups() + c / w.groupSize()];
      }
      for (int i = 0; i < m; i++) {
        double s = bias == null ? 0 : bias[j];
        for (int c = 0; c < k; c++) {
          s += x[i * k + c] * row[c];
        }
        y[i * n + j] = s;
      }
    }
    return y;
  }
}
