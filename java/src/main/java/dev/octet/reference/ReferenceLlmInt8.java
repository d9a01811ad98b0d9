package dev.octet.reference;

import java.util.Arrays;

/**
 * The Java reference of LLM.int8() (Dettmers et al. 2022, {@code oct_linear_llm_int8}): the
 * decomposition of {@code y = x W^T + bias} into an INT8 product over the regular feature columns
 * and a higher-precision product over the few outlier columns, written to read like the paper.
 *
 * <ol>
 *   <li>Outlier columns: every column j of x with max over the tokens |x[m, j]| &gt; threshold.
 *   <li>Regular part: x with the outlier columns zeroed, quantized per token (the absmax over the
 *       non-outlier columns only), exact int32 product with the INT8 weight, dequantized by the
 *       per-token and per-channel scales.
 *   <li>Outlier part: x[:, outliers] · dequant(W[:, outliers])^T.
 *   <li>y = regular + outlier + bias.
 * </ol>
 *
 * With more than k / 32 outlier columns the decomposition is promoted ({@link
 * #decompositionColumns}): every column goes to the outlier part, so the cost stays that of one
 * fp16 product however many outliers a layer has (Octet's rule, not the paper's).
 *
 * The decisions (outlier columns, scales, int8 values) are exact fp32 rules shared with every
 * backend; {@link #forward} then evaluates the sum in float64, the yardstick for the backends'
 * fp32 arithmetic. {@link #outlierPartFp32} is the CPU backend's exact fp32 evaluation of step 3.
 */
public final class ReferenceLlmInt8 {
  private ReferenceLlmInt8() {}

  /**
   * The result of {@link #forward}: y in float64, the outlier columns (over the threshold), the
   * columns of the outlier part ({@link #decompositionColumns}) and the regular part.
   */
  public record Result(double[] y, int[] outliers, int[] columns, Int8Activations regular) {
    /** Whether the decomposition was promoted: every column in the outlier part. */
    public boolean promoted() {
      return outliers.length > promoteAbove(regular.cols());
    }
  }

  /**
   * Past this many outlier columns out of k the decomposition is promoted: every column is taken
   * as an outlier, the regular part is empty and the layer is one fp16/bf16-input product with the
   * dequantized weight (many outliers would otherwise cost that product and an INT8 one).
   */
  public static int promoteAbove(int k) {
    return k / 32;
  }

  /**
   * The columns of the outlier part: the outlier columns, or every column of x when there are
   * more than {@link #promoteAbove} of them.
   */
  public static int[] decompositionColumns(int[] outliers, int k) {
    if (outliers.length <= promoteAbove(k)) {
      return outliers;
    }
    int[] all = new int[k];
    for (int j = 0; j < k; j++) {
      all[j] = j;
    }
    return all;
  }

  /**
   * The outlier columns of x [m, k] in ascending order: max_m |x[m, j]| &gt; threshold. A column
   * holding a NaN is not an outlier (its maximum is NaN, which compares false).
   */
  public static int[] outlierColumns(float[] x, int m, int k, float threshold) {
    int[] found = new int[k];
    int count = 0;
    for (int j = 0; j < k; j++) {
      float max = 0f;
      for (int i = 0; i < m; i++) {
        max = Math.max(max, Math.abs(x[i * k + j])); // Math.max propagates NaN
      }
      if (max > threshold) {
        found[count++] = j;
      }
    }
    return Arrays.copyOf(found, count);
  }

  /**
   * Per-token INT8 quantization of x [m, k] over the non-outlier columns: scale[m] = max |x[m, j]|
   * over those columns / 127 (1 when 0; NaN, with all zeros, when one of them is not finite), the
   * outlier columns quantized to 0.
   */
  public static Int8Activations quantizeRegular(float[] x, int m, int k, int[] outliers) {
    boolean[] outlier = flags(outliers, k);
    byte[] q = new byte[m * k];
    float[] scales = new float[m];
    for (int i = 0; i < m; i++) {
      float absmax = 0f;
      boolean finite = true;
      for (int j = 0; j < k; j++) {
        if (!outlier[j]) {
          finite &= Float.isFinite(x[i * k + j]);
          absmax = Math.max(absmax, Math.abs(x[i * k + j]));
        }
      }
      float scale = finite ? Numerics.scaleFromAbsmax(absmax) : Float.NaN;
      scales[i] = scale;
      for (int j = 0; j < k; j++) {
        q[i * k + j] = outlier[j] || Float.isNaN(scale) ? 0 : Numerics.quantize(x[i * k + j], scale);
      }
    }
    return new Int8Activations(q, scales, m, k);
  }

  /** The outlier part in float64: o[m, n] = wScale[n] * sum_i x[m, idx_i] * q[n, idx_i]. */
  public static double[] outlierPart(float[] x, int m, int k, Int8Matrix w, int[] outliers) {
    int n = w.rows();
    double[] o = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int r = 0; r < n; r++) {
        double sum = 0;
        for (int j : outliers) {
          sum += (double) x[i * k + j] * w.values()[r * k + j];
        }
        o[i * n + r] = sum * w.scales()[r];
      }
    }
    return o;
  }

  /**
   * The outlier part as the CPU backend computes it: fp32, the exact products added in
   * ascending column order, times wScale[n] (before the rounding to the output dtype).
   */
  public static float[] outlierPartFp32(float[] x, int m, int k, Int8Matrix w, int[] outliers) {
    int n = w.rows();
    float[] o = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int r = 0; r < n; r++) {
        float sum = 0f;
        for (int j : outliers) {
          sum += x[i * k + j] * (float) w.values()[r * k + j];
        }
        o[i * n + r] = sum * w.scales()[r];
      }
    }
    return o;
  }

  /**
   * y = x W^T + bias by LLM.int8() for x [m, k] (values as stored, i.e. already rounded to
   * fp16/bf16), the per-channel INT8 weight w [n, k] and bias [n] or null; y in float64.
   */
  public static Result forward(float[] x, int m, int k, Int8Matrix w, float[] bias, float threshold) {
    if (w.cols() != k || w.groupSize() != k) {
      throw new IllegalArgumentException("w must be a per-channel [N, " + k + "] INT8 matrix");
    }
    int n = w.rows();
    int[] outliers = outlierColumns(x, m, k, threshold);
    int[] columns = decompositionColumns(outliers, k);
    Int8Activations regular = quantizeRegular(x, m, k, columns);
    int[] acc = ReferenceGemm.accumulate(regular.values(), w.values(), m, n, k);
    double[] o = outlierPart(x, m, k, w, columns);
    double[] y = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int r = 0; r < n; r++) {
        y[i * n + r] =
            (double) acc[i * n + r] * regular.scales()[i] * w.scales()[r]
                + o[i * n + r]
                + (bias == null ? 0 : bias[r]);
      }
    }
    return new Result(y, outliers, columns, regular);
  }

  private static boolean[] flags(int[] columns, int k) {
    boolean[] f = new boolean[k];
    for (int j : columns) {
      f[j] = true;
    }
    return f;
  }
}
