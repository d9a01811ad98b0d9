package dev.octet.quant;

import java.util.List;

/**
 * SmoothQuant (Xiao et al., 2023): migrates the quantization difficulty of activation outlier
 * channels into the weights with a per-input-channel factor
 *
 * <pre>
 *   s_j = max|X_j|^alpha / max|W_j|^(1 - alpha)          (alpha = 0.5 by default)
 *   Y = (X diag(s)^-1) (W diag(s))^T = X W^T
 * </pre>
 *
 * where max|X_j| is input channel j's activation range over calibration data and max|W_j| the
 * weight's column range (over every weight that reads X: q, k and v projections share one s). The
 * weight is scaled once ({@link #scaleWeightColumns}); the inverse goes into a preceding
 * normalisation's weight ({@link #foldIntoNorm}: RMSNorm's gamma_j / s_j) when there is one,
 * otherwise the activation-quantization step multiplies by 1 / s_j per channel. A channel whose
 * activation or weight range is 0 (or not finite) keeps s_j = 1; factors are clamped to [1e-5,
 * 1e5]. Host arrays, row-major, weights [N, K].
 */
public final class SmoothQuant {
  /** The paper's default migration strength. */
  public static final double DEFAULT_ALPHA = 0.5;

  static final double MIN_FACTOR = 1e-5;
  static final double MAX_FACTOR = 1e5;

  private SmoothQuant() {}

  /**
   * The result of smoothing one linear input.
   *
   * @param factors s [K]
   * @param activationMultiplier 1 / s [K] for the activation-quantization step, or null when the
   *     inverse was folded into a normalisation's weight
   */
  public record Smoothing(float[] factors, float[] activationMultiplier) {}

  /** s_j = actAbsMax_j^alpha / weightAbsMax_j^(1 - alpha), computed in double, stored as fp32. */
  public static float[] factors(float[] actAbsMax, float[] weightAbsMax, double alpha) {
    if (actAbsMax.length != weightAbsMax.length) {
      throw new IllegalArgumentException(
          "actAbsMax has " + actAbsMax.length + " channels and weightAbsMax "
              + weightAbsMax.length);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha is " + alpha + "; must be in [0, 1]");
    }
    float[] s = new float[actAbsMax.length];
    for (int j = 0; j < s.length; j++) {
      double x = actAbsMax[j];
      double w = weightAbsMax[j];
      if (!(x > 0) || !(w > 0) || !Double.isFinite(x) || !Double.isFinite(w)) {
        s[j] = 1f; // a dead or broken channel: leave it alone
        continue;
      }
      double f = Math.pow(x, alpha) / Math.pow(w, 1 - alpha);
      s[j] = (float) Math.clamp(f, MIN_FACTOR, MAX_FACTOR);
    }
    return s;
  }

  /** max over rows of |x[t, j]| for each column j of a row-major [rows, cols] array. */
  public static float[] columnAbsMax(float[] x, int cols) {
    return columnAbsMax(List.of(x), cols);
  }

  /** Column maxima over several [*, cols] arrays (e.g. the q, k and v weights reading one X). */
  public static float[] columnAbsMax(List<float[]> arrays, int cols) {
    if (cols < 1) {
      throw new IllegalArgumentException("cols is " + cols);
    }
    float[] m = new float[cols];
    for (float[] a : arrays) {
      if (a.length % cols != 0) {
        throw new IllegalArgumentException(
            "an array of " + a.length + " elements is not [*, " + cols + "]");
      }
      for (int i = 0; i < a.length; i++) {
        m[i % cols] = Math.max(m[i % cols], Math.abs(a[i]));
      }
    }
    return m;
  }

  /** W <- W diag(s): W[n, j] *= s_j, in place, for W [N, K] row-major and s [K]. */
  public static void scaleWeightColumns(float[] w, float[] s) {
    if (w.length % s.length != 0) {
      throw new IllegalArgumentException(
          "weight of " + w.length + " elements is not [N, " + s.length + "]");
    }
    for (int i = 0; i < w.length; i++) {
      w[i] *= s[i % s.length];
    }
  }

  /** gamma <- gamma / s, in place: the norm then emits X diag(s)^-1. */
  public static void foldIntoNorm(float[] gamma, float[] s) {
    if (gamma.length != s.length) {
      throw new IllegalArgumentException(
          "norm weight has " + gamma.length + " channels and s " + s.length);
    }
    for (int j = 0; j < s.length; j++) {
      gamma[j] /= s[j];
    }
  }

  /** 1 / s, the per-channel multiplier of the activations when there is no norm to fold into. */
  public static float[] inverse(float[] s) {
    float[] r = new float[s.length];
    for (int j = 0; j < s.length; j++) {
      r[j] = 1f / s[j];
    }
    return r;
  }

  /**
   * Smooths the weights that read one activation X [*, K]: computes s from the activation's
   * per-channel ranges ({@code actAbsMax} [K], from calibration) and the weights' column ranges,
   * scales every weight's columns by s in place, and folds 1 / s into {@code normWeight} (in
   * place) when it is not null; otherwise returns 1 / s as the activation multiplier.
   */
  public static Smoothing smooth(
      float[] actAbsMax, List<float[]> weights, float[] normWeight, double alpha) {
    int k = actAbsMax.length;
    if (normWeight != null && normWeight.length != k) {
      throw new IllegalArgumentException(
          "norm weight has " + normWeight.length + " channels and the activation " + k);
    }
    float[] s = factors(actAbsMax, columnAbsMax(weights, k), alpha);
    for (float[] w : weights) {
      scaleWeightColumns(w, s);
    }
    if (normWeight != null) {
      foldIntoNorm(normWeight, s);
      return new Smoothing(s, null);
    }
    return new Smoothing(s, inverse(s));
  }
}
