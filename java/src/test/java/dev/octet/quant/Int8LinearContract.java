package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.reference.Int8Activations;
import dev.octet.reference.Int8Matrix;
import dev.octet.reference.ReferenceGemm;
import dev.octet.reference.ReferenceQuant;
import dev.octet.testing.Inputs;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The W8A8 layer end to end: against the same pipeline computed by the Java reference
 * (activation quantization + exact int32 GEMM + fp32 epilogue), and against the float matmul of
 * the original x and W (layer accuracy, SQNR >= 30 dB on Gaussian inputs).
 */
abstract class Int8LinearContract {
  abstract Context openContext();

  /**
   * Allowed difference between the backend's output and the Java reference pipeline's, in units
   * of the output's rounding: 0 where the backend computes the epilogue exactly as the reference
   * (CPU: same fma order); 1 ulp where fp32 epilogue arithmetic may be ordered differently.
   */
  abstract int ulpTolerance();

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(ActivationScheme.DYNAMIC_PER_TOKEN, DType.FP16, 1, 64, 128, true),
        Arguments.of(ActivationScheme.DYNAMIC_PER_TOKEN, DType.BF16, 33, 256, 496, false),
        Arguments.of(ActivationScheme.DYNAMIC_PER_TENSOR, DType.FP16, 17, 128, 256, true),
        Arguments.of(ActivationScheme.STATIC_PER_TENSOR, DType.BF16, 100, 512, 1024, true),
        Arguments.of(ActivationScheme.DYNAMIC_PER_TOKEN, DType.FP16, 64, 24, 40, true));
  }

  @ParameterizedTest(name = "{0} {1} M={2} N={3} K={4} bias={5}")
  @MethodSource("cases")
  void matchesTheReferencePipelineAndTheFloatMatmul(
      ActivationScheme scheme, DType dtype, int m, int n, int k, boolean withBias) {
    openContext().close();
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = round(dtype, Inputs.gaussian(rng, m * k, 1.0));
    float[] w = Inputs.gaussian(rng, n * k, 0.05);
    float[] bias = withBias ? round(dtype, Inputs.gaussian(rng, n, 0.5)) : null;
    float staticScale = 4.5f / 127f; // covers N(0,1) to 4.5 sigma
    String where = scheme + " " + dtype + " M=" + m + " N=" + n + " K=" + k + " seed " + seed;

    // The Java reference of the same pipeline.
    Int8Matrix wq = ReferenceQuant.quantizePerChannel(w, n, k);
    Int8Activations xq =
        ReferenceQuant.quantizeActivations(
            x, m, k, scheme.perToken(), null,
            scheme == ActivationScheme.STATIC_PER_TENSOR ? staticScale : Float.NaN);
    float[] expect =
        ReferenceGemm.epilogue(
            ReferenceGemm.accumulate(xq.values(), wq.values(), m, n, k), m, n, xq.scales(), wq.scales(), bias);

    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
        Tensor bt = bias == null ? null : ctx.upload(bias, dtype, Shape.of(n));
        Tensor xt = ctx.upload(x, dtype, Shape.of(m, k));
        Int8Linear layer = build(wt, bt, scheme, staticScale, stream);
        Tensor out = Inputs.poisoned(ctx, dtype, Shape.of(m, n))) {
      layer.forwardInto(xt, out, stream);
      stream.synchronize();
      float[] got = out.toFloatArray();
      for (int i = 0; i < got.length; i++) {
        float e = Inputs.roundTo(dtype, expect[i]);
        float ulp = Math.ulp(e) * (dtype == DType.BF16 ? 65536 : 8192); // ulp of the 16-bit type
        assertTrue(
            Math.abs(got[i] - e) <= ulpTolerance() * ulp,
            "out[" + i + "] = " + got[i] + ", reference " + e + ", " + where);
      }
      double sqnr = Metrics.sqnrDb(floatMatmul(x, w, bias, m, n, k), got);
      System.out.printf("[octet] W8A8 %s: SQNR vs float matmul %.2f dB%n", where, sqnr);
      assertTrue(sqnr >= 30, "SQNR " + sqnr + " dB < 30 dB, " + where);
    }
  }

  /** Workspace growth and view caching: forwards of changing M each give the right result. */
  @Test
  void changingBatchSizesReuseAndGrowTheWorkspace() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int n = 48, k = 64;
    float[] w = Inputs.gaussian(rng, n * k, 0.1);
    try (Context ctx = openContext();
        Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
        Int8Linear layer = Int8Linear.builder(wt).build(null)) {
      for (int m : new int[] {3, 70, 5, 70, 1}) {
        float[] x = round(DType.FP16, Inputs.gaussian(rng, m * k, 1.0));
        try (Tensor xt = ctx.upload(x, DType.FP16, Shape.of(m, k));
            Tensor y = layer.forward(xt, null)) {
          double sqnr = Metrics.sqnrDb(floatMatmul(x, w, null, m, n, k), y.toFloatArray());
          assertTrue(sqnr >= 30, "M=" + m + ": SQNR " + sqnr);
        }
      }
    }
  }

  /** SmoothQuant folded into the weight with the inverse in the activation quantization. */
  @Test
  void smoothingImprovesAccuracyOnOutlierChannels() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int m = 64, n = 128, k = 256;
    float[] x = Inputs.gaussian(rng, m * k, 1.0);
    for (int r = 0; r < m; r++) {
      for (int c : new int[] {5, 77, 200}) {
        x[r * k + c] *= 40; // outlier channels, as in real LLM activations
      }
    }
    x = round(DType.BF16, x);
    float[] w = Inputs.gaussian(rng, n * k, 0.05);
    float[] ref = floatMatmul(x, w, null, m, n, k);
    float[] ws = w.clone();
    SmoothQuant.Smoothing s =
        SmoothQuant.smooth(SmoothQuant.columnAbsMax(x, k), List.of(ws), null, SmoothQuant.DEFAULT_ALPHA);
    try (Context ctx = openContext();
        Tensor xt = ctx.upload(x, DType.BF16, Shape.of(m, k));
        Tensor plainW = ctx.upload(w, DType.FP32, Shape.of(n, k));
        Tensor smoothW = ctx.upload(ws, DType.FP32, Shape.of(n, k));
        Int8Linear plain = Int8Linear.builder(plainW).build(null);
        Int8Linear smooth = Int8Linear.builder(smoothW).smoothing(s.activationMultiplier()).build(null);
        Tensor y0 = plain.forward(xt, null);
        Tensor y1 = smooth.forward(xt, null)) {
      double before = Metrics.sqnrDb(ref, y0.toFloatArray());
      double after = Metrics.sqnrDb(ref, y1.toFloatArray());
      System.out.printf("[octet] W8A8 with SmoothQuant (alpha 0.5): SQNR %.2f dB -> %.2f dB%n", before, after);
      assertTrue(after > before + 3, "smoothing: " + before + " dB -> " + after + " dB");
    }
  }

  @Test
  void badInputGetsAClearError() {
    try (Context ctx = openContext();
        Tensor w = ctx.upload(new float[32], DType.FP32, Shape.of(4, 8));
        Tensor xWrongK = ctx.upload(new float[14], DType.FP16, Shape.of(2, 7));
        Tensor x32 = ctx.upload(new float[16], DType.FP32, Shape.of(2, 8));
        Int8Linear layer = Int8Linear.builder(w).build(null)) {
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "x must be", () -> layer.forward(xWrongK, null));
      WeightQuantizationContract.expectNamed(dev.octet.OctetException.class, "'x'", () -> layer.forward(x32, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "x is null", () -> layer.forward(null, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "staticScale", () -> Int8Linear.builder(w).staticScale(0f));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "staticScale", () -> Int8Linear.builder(w).staticScale(Float.NaN));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "smoothing", () -> Int8Linear.builder(w).smoothing(new float[3]));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "static scheme", () -> Int8Linear.builder(w).scheme(ActivationScheme.STATIC_PER_TENSOR).build(null));
    }
  }

  static Int8Linear build(Tensor w, Tensor b, ActivationScheme scheme, float staticScale, dev.octet.Stream s) {
    Int8Linear.Builder builder = Int8Linear.builder(w).bias(b);
    if (scheme == ActivationScheme.STATIC_PER_TENSOR) {
      builder.staticScale(staticScale);
    } else {
      builder.scheme(scheme);
    }
    return builder.build(s);
  }

  static float[] round(DType dtype, float[] v) {
    for (int i = 0; i < v.length; i++) {
      v[i] = Inputs.roundTo(dtype, v[i]);
    }
    return v;
  }

  /** x W^T + bias in float64, rounded to float. */
  static float[] floatMatmul(float[] x, float[] w, float[] bias, int m, int n, int k) {
    float[] y = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = bias == null ? 0 : bias[j];
        for (int c = 0; c < k; c++) {
          acc += (double) x[i * k + c] * w[j * k + c];
        }
        y[i * n + j] = (float) acc;
      }
    }
    return y;
  }
}
