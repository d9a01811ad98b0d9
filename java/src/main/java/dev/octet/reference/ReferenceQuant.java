package dev.octet.reference;

/**
 * The Java reference of Octet's quantization operations, written to read like their definition.
 * Slow and simple on purpose: the CPU and CUDA backends are tested against it.
 */
public final class ReferenceQuant {
  private ReferenceQuant() {}

  /**
   * Symmetric per-channel INT8 quantization of W [rows, cols] (row-major): per row,
   * scale = max|w| / 127 (1 when that is 0) and q = clamp(rint(w / scale), -127, 127). A row
   * holding NaN or Inf gets scale NaN and q = 0.
   */
  public static Int8Matrix quantizePerChannel(float[] w, int rows, int cols) {
    if ((long) rows * cols != w.length) {
      throw new IllegalArgumentException(
          "w has " + w.length + " elements; [" + rows + ", " + cols + "] needs " + (long) rows * cols);
    }
    byte[] q = new byte[w.length];
    float[] scales = new float[rows];
    for (int r = 0; r < rows; r++) {
      float absmax = 0f;
      boolean finite = true;
      for (int c = 0; c < cols; c++) {
        float v = w[r * cols + c];
        finite &= Float.isFinite(v);
        absmax = Math.max(absmax, Math.abs(v));
      }
      if (!finite) {
        scales[r] = Float.NaN;
        continue; // q stays 0
      }
      float scale = Numerics.scaleFromAbsmax(absmax);
      scales[r] = scale;
      for (int c = 0; c < cols; c++) {
        q[r * cols + c] = Numerics.quantize(w[r * cols + c], scale);
      }
    }
    return new Int8Matrix(q, scales, rows, cols);
  }

  /** W'[r, c] = q[r, c] * scale[r] in fp32. */
  public static float[] dequantize(Int8Matrix m) {
    float[] out = new float[m.values().length];
    for (int r = 0; r < m.rows(); r++) {
      for (int c = 0; c < m.cols(); c++) {
        out[r * m.cols() + c] = m.values()[r * m.cols() + c] * m.scales()[r];
      }
    }
    return out;
  }
}
