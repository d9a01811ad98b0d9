package dev.octet.reference;

/**
 * The Java reference of the INT8 GEMM with its dequantizing epilogue ({@code oct_gemm_s8}),
 * written to read like the definition; every backend is tested against it.
 */
public final class ReferenceGemm {
  private ReferenceGemm() {}

  /**
   * acc[m, n] = sum_k a[m, k] * b[n, k], exact in int32 (|acc| <= K * 2^14 < 2^31 for K up to
   * 131071). a is [m, k] row-major, b is [n, k] row-major.
   */
  public static int[] accumulate(byte[] a, byte[] b, int m, int n, int k) {
    if ((long) m * k != a.length || (long) n * k != b.length) {
      throw new IllegalArgumentException(
          "a has " + a.length + " and b " + b.length + " elements; [" + m + ", " + k + "] and ["
              + n + ", " + k + "] need " + (long) m * k + " and " + (long) n * k);
    }
    int[] acc = new int[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int sum = 0;
        for (int p = 0; p < k; p++) {
          sum += a[i * k + p] * b[j * k + p];
        }
        acc[i * n + j] = sum;
      }
    }
    return acc;
  }

  /**
   * The epilogue in fp32, in liboctet's order: t = (float) acc * bScale[n]; y = fma(aScale[m],
   * t, bias[n]). aScale has m entries or 1, bScale n or 1; bias n entries (the output dtype's
   * values as floats) or null for 0. Returns y before the rounding to the output dtype.
   */
  public static float[] epilogue(
      int[] acc, int m, int n, float[] aScale, float[] bScale, float[] bias) {
    float[] y = new float[m * n];
    for (int i = 0; i < m; i++) {
      float sa = aScale[aScale.length == 1 ? 0 : i];
      for (int j = 0; j < n; j++) {
        float t = (float) acc[i * n + j] * bScale[bScale.length == 1 ? 0 : j];
        y[i * n + j] = Math.fma(sa, t, bias == null ? 0f : bias[j]);
      }
    }
    return y;
  }

  /**
   * The epilogue with a source term (LLM.int8()'s outlier part, {@code c} [m, n]: the output
   * dtype's values as floats), in liboctet's order: t = (float) acc * bScale[n]; y =
   * fma(aScale[m], t, bias[n] + c[m, n]) (bias + c: one fp32 addition). With c all +0 this equals
   * {@link #epilogue(int[], int, int, float[], float[], float[])} bit for bit.
   */
  public static float[] epilogue(
      int[] acc, int m, int n, float[] aScale, float[] bScale, float[] bias, float[] c) {
    float[] y = new float[m * n];
    for (int i = 0; i < m; i++) {
      float sa = aScale[aScale.length == 1 ? 0 : i];
      for (int j = 0; j < n; j++) {
        float t = (float) acc[i * n + j] * bScale[bScale.length == 1 ? 0 : j];
        float addend = (bias == null ? 0f : bias[j]) + c[i * n + j];
        y[i * n + j] = Math.fma(sa, t, addend);
      }
    }
    return y;
  }

  /** The epilogue rounded to FP16: raw binary16 bits, nearest even. */
  public static short[] toFp16(float[] y) {
    short[] out = new short[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = Numerics.floatToFp16(y[i]);
    }
    return out;
  }

  /** The epilogue rounded to BF16: raw bfloat16 bits, nearest even. */
  public static short[] toBf16(float[] y) {
    short[] out = new short[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = Numerics.floatToBf16(y[i]);
    }
    return out;
  }
}
