package dev.octet.reference;

/**
 * The Java reference of Octet's quantization operations, written to read like their definition.
 * Slow and simple on purpose: the CPU and CUDA backends are tested against it.
 */
public final class ReferenceQuant {
  private ReferenceQuant() {}

  /** Per-channel quantization: {@link #quantizeWeight} with one group per row. */
  public static Int8Matrix quantizePerChannel(float[] w, int rows, int cols) {
    return quantizeWeight(w, rows, cols, cols);
  }

  /**
   * Symmetric INT8 quantization of W [rows, cols] (row-major) in groups of {@code groupSize}
   * consecutive elements of a row ({@code cols}: per channel). Per group: scale = max|w| / 127
   * (1 when that is 0) and q = clamp(rint(w / scale), -127, 127). A group holding NaN or Inf gets
   * scale NaN and q = 0.
   */
  public static Int8Matrix quantizeWeight(float[] w, int rows, int cols, int groupSize) {
    if ((long) rows * cols != w.length) {
      throw new IllegalArgumentException(
          "w has " + w.length + " elements; [" + rows + ", " + cols + "] needs " + (long) rows * cols);
    }
    if (groupSize < 1 || cols % groupSize != 0) {
      throw new IllegalArgumentException("groupSize " + groupSize + " does not divide cols " + cols);
    }
    int groups = cols / groupSize;
    byte[] q = new byte[w.length];
    float[] scales = new float[rows * groups];
    for (int r = 0; r < rows; r++) {
      for (int g = 0; g < groups; g++) {
        int begin = r * cols + g * groupSize;
        float absmax = 0f;
        boolean finite = true;
        for (int i = begin; i < begin + groupSize; i++) {
          finite &= Float.isFinite(w[i]);
          absmax = Math.max(absmax, Math.abs(w[i]));
        }
        if (!finite) {
          scales[r * groups + g] = Float.NaN;
          continue; // q stays 0
        }
        float scale = Numerics.scaleFromAbsmax(absmax);
        scales[r * groups + g] = scale;
        for (int i = begin; i < begin + groupSize; i++) {
          q[i] = Numerics.quantize(w[i], scale);
        }
      }
    }
    return new Int8Matrix(q, scales, rows, cols, groupSize);
  }

  /** W'[r, c] = q[r, c] * scale[r, c / groupSize] in fp32. */
  public static float[] dequantize(Int8Matrix m) {
    float[] out = new float[m.values().length];
    int cols = m.cols();
    for (int r = 0; r < m.rows(); r++) {
      for (int c = 0; c < cols; c++) {
        out[r * cols + c] = m.values()[r * cols + c] * m.scales()[r * m.groups() + c / m.groupSize()];
      }
    }
    return out;
  }

  /**
   * INT8 activation quantization of x [rows, cols] (values as stored, i.e. already rounded to
   * fp16/bf16): v = x * smooth[col] (smooth may be null); per token ({@code perToken}) one scale
   * per row, else one for the tensor; the scale is max|v| / 127 (1 when that is 0), or {@code
   * staticScale} when that is not NaN. Dynamic: a row (tensor) holding NaN/Inf gets scale NaN
   * and zeros. Static: NaN becomes 0, Inf saturates.
   */
  public static Int8Activations quantizeActivations(
      float[] x, int rows, int cols, boolean perToken, float[] smooth, float staticScale) {
    boolean isStatic = !Float.isNaN(staticScale);
    if (isStatic && perToken) {
      throw new IllegalArgumentException("a static scale is per tensor");
    }
    float[] v = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      v[i] = smooth == null ? x[i] : x[i] * smooth[i % cols];
    }
    byte[] q = new byte[x.length];
    int spans = perToken ? rows : 1;
    int spanLength = perToken ? cols : rows * cols;
    float[] scales = new float[spans];
    for (int span = 0; span < spans; span++) {
      int begin = span * spanLength;
      float scale;
      if (isStatic) {
        scale = staticScale;
      } else {
        float absmax = 0f;
        boolean finite = true;
        for (int i = begin; i < begin + spanLength; i++) {
          finite &= Float.isFinite(v[i]);
          absmax = Math.max(absmax, Math.abs(v[i]));
        }
        scale = finite ? Numerics.scaleFromAbsmax(absmax) : Float.NaN;
      }
      scales[span] = scale;
      for (int i = begin; i < begin + spanLength; i++) {
        q[i] = Float.isNaN(scale) || Float.isNaN(v[i]) ? 0 : Numerics.quantize(v[i], scale);
      }
    }
    return new Int8Activations(q, scales, rows, cols);
  }
}
