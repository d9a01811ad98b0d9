package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.reference.Int8Matrix;
import dev.octet.reference.Numerics;
import dev.octet.reference.ReferenceQuant;
import dev.octet.testing.Inputs;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SmoothQuantTest {
  static final int T = 64; // tokens
  static final int K = 256; // input channels
  static final int N = 96; // output channels

  private final long seed = Inputs.freshSeed();
  private final SplittableRandom rng = new SplittableRandom(seed);

  @Test
  void factorsFollowTheFormulaAndGuardZeros() {
    float[] s = SmoothQuant.factors(new float[] {16f, 0f, 4f, 9f}, new float[] {4f, 2f, 0f, 1f}, 0.5);
    assertArrayEquals(new float[] {2f, 1f, 1f, 3f}, s); // sqrt(16)/sqrt(4); zeros keep 1
    float[] a = SmoothQuant.factors(new float[] {8f}, new float[] {2f}, 0.75);
    assertEquals((float) (Math.pow(8, 0.75) / Math.pow(2, 0.25)), a[0]);
    assertArrayEquals(new float[] {1e5f}, SmoothQuant.factors(new float[] {1e30f}, new float[] {1e-30f}, 0.5));
    assertThrows(IllegalArgumentException.class, () -> SmoothQuant.factors(new float[1], new float[1], 1.5));
  }

  @Test
  void smoothingLeavesTheProductUnchanged() {
    float[] x = activationsWithOutliers();
    float[] w = Inputs.gaussian(rng, N * K, 0.05);
    float[] w0 = w.clone();
    float[] gamma = Inputs.gaussian(rng, K, 1.0);
    float[] gamma0 = gamma.clone();
    // The norm's output is x = gamma * h: smoothing divides gamma by s, multiplies W's columns.
    float[] h = new float[T * K];
    for (int i = 0; i < T * K; i++) {
      h[i] = x[i] / gamma0[i % K];
    }
    SmoothQuant.Smoothing sm =
        SmoothQuant.smooth(SmoothQuant.columnAbsMax(x, K), List.of(w), gamma, SmoothQuant.DEFAULT_ALPHA);
    assertNull(sm.activationMultiplier());
    double[] ref = matmul(times(h, gamma0), w0);
    double[] got = matmul(times(h, gamma), w);
    // Each term x_j w_j picks up at most four fp32 roundings (relative 2^-24 each): gamma / s,
    // h * gamma, w * s and the reference's own h * gamma0. In float64 the outputs agree to
    // sum_j |x_j w_j| * 5 * 2^-24.
    double[] bound = matmulAbs(times(h, gamma0), w0);
    for (int i = 0; i < ref.length; i++) {
      double tol = bound[i] * 5 * 0x1p-24 + 1e-30;
      assertEquals(ref[i], got[i], tol, "output " + i + ", seed " + seed);
    }
    // Without a norm: the multiplier 1 / s is returned for the activation-quantization step.
    float[] w2 = w0.clone();
    SmoothQuant.Smoothing bare =
        SmoothQuant.smooth(SmoothQuant.columnAbsMax(x, K), List.of(w2), null, 0.5);
    float[] xs = x.clone();
    for (int i = 0; i < xs.length; i++) {
      xs[i] *= bare.activationMultiplier()[i % K];
    }
    double[] got2 = matmul(xs, w2);
    for (int i = 0; i < ref.length; i++) {
      double tol = bound[i] * 5 * 0x1p-24 + 1e-30; // 1 / s, x / s, w s, s (1 / s) != 1
      assertEquals(ref[i], got2[i], tol, "output " + i + ", seed " + seed);
    }
  }

  @Test
  void smoothingImprovesW8A8OnOutlierChannels() {
    // Activations with a few outlier channels (~50x), as in LLMs; W8A8 = per-token symmetric
    // activations x per-channel symmetric weights. The outliers blow up every token's scale
    // without smoothing; migrating them into the weights (alpha 0.5) must gain SQNR.
    float[] x = activationsWithOutliers();
    float[] w = Inputs.gaussian(rng, N * K, 0.05);
    double[] ref = matmul(x, w);
    double plain = sqnr(ref, w8a8(x, w));
    float[] ws = w.clone();
    SmoothQuant.Smoothing sm = SmoothQuant.smooth(SmoothQuant.columnAbsMax(x, K), List.of(ws), null, 0.5);
    float[] xs = x.clone();
    for (int i = 0; i < xs.length; i++) {
      xs[i] *= sm.activationMultiplier()[i % K];
    }
    double smoothed = sqnr(ref, w8a8(xs, ws));
    System.out.printf(
        "[octet] SmoothQuant W8A8 SQNR on planted outlier channels: %.2f dB -> %.2f dB (+%.2f dB)%n",
        plain, smoothed, smoothed - plain);
    assertTrue(smoothed > plain + 6, plain + " dB -> " + smoothed + " dB, seed " + seed);
  }

  private float[] activationsWithOutliers() {
    float[] x = Inputs.gaussian(rng, T * K, 1.0);
    int[] outlierChannels = {3, 77, 150, 201};
    for (int t = 0; t < T; t++) {
      for (int c : outlierChannels) {
        x[t * K + c] *= 50f;
      }
    }
    return x;
  }

  /** Y = dequant(Qa(X) Qw(W)^T): per-token activation scales, per-channel weight scales. */
  static double[] w8a8(float[] x, float[] w) {
    Int8Matrix qw = ReferenceQuant.quantizePerChannel(w, N, K);
    byte[] qx = new byte[T * K];
    float[] sx = new float[T];
    for (int t = 0; t < T; t++) {
      float absmax = 0;
      for (int k = 0; k < K; k++) {
        absmax = Math.max(absmax, Math.abs(x[t * K + k]));
      }
      sx[t] = Numerics.scaleFromAbsmax(absmax);
      for (int k = 0; k < K; k++) {
        qx[t * K + k] = Numerics.quantize(x[t * K + k], sx[t]);
      }
    }
    double[] y = new double[T * N];
    for (int t = 0; t < T; t++) {
      for (int n = 0; n < N; n++) {
        long acc = 0;
        for (int k = 0; k < K; k++) {
          acc += qx[t * K + k] * qw.values()[n * K + k];
        }
        y[t * N + n] = acc * (double) sx[t] * qw.scales()[n];
      }
    }
    return y;
  }

  static double[] matmul(float[] x, float[] w) {
    double[] y = new double[T * N];
    for (int t = 0; t < T; t++) {
      for (int n = 0; n < N; n++) {
        double s = 0;
        for (int k = 0; k < K; k++) {
          s += (double) x[t * K + k] * w[n * K + k];
        }
        y[t * N + n] = s;
      }
    }
    return y;
  }

  static double[] matmulAbs(float[] x, float[] w) {
    double[] y = new double[T * N];
    for (int t = 0; t < T; t++) {
      for (int n = 0; n < N; n++) {
        double s = 0;
        for (int k = 0; k < K; k++) {
          s += Math.abs((double) x[t * K + k] * w[n * K + k]);
        }
        y[t * N + n] = s;
      }
    }
    return y;
  }

  static float[] times(float[] h, float[] gamma) {
    float[] x = new float[h.length];
    for (int i = 0; i < h.length; i++) {
      x[i] = h[i] * gamma[i % gamma.length];
    }
    return x;
  }

  static double sqnr(double[] ref, double[] y) {
    double s = 0;
    double n = 0;
    for (int i = 0; i < ref.length; i++) {
      s += ref[i] * ref[i];
      n += (ref[i] - y[i]) * (ref[i] - y[i]);
    }
    return 10 * Math.log10(s / n);
  }
}
