package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.reference.Int8Matrix;
import dev.octet.reference.Numerics;
import dev.octet.reference.ReferenceGemm;
import dev.octet.reference.ReferenceLlmInt8;
import dev.octet.reference.ReferenceQuant;
import dev.octet.testing.Inputs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The LLM.int8() layer against the float64 Java reference of the same decomposition
 * ({@link ReferenceLlmInt8}), within a derived tolerance; bit-identity with the W8A8 layer when
 * no column is an outlier; the SQNR gain over W8A8 on planted outlier features; bad input.
 *
 * <p>Tolerance per element (u = 2^-24): the outlier part's fp32 sum of {@code count} exact
 * products and its product with the weight scale, (count + 1) u A with A = wScale * sum |x q|,
 * then its rounding to the output dtype (half an ulp of |o|); the epilogue's roundings of acc *
 * wScale, bias + c and the fma, 3u (|regular| + |y| + |bias| + |o|). Where the sm90 int8 GEMM adds
 * the outlier part in its main loop (F = fl(fl(acc) s) plus ceil(count / 16) tensor-core steps of
 * 16 exact products in fp32, each step allowed 17 * 2u of |F| + its |x q|, every term aligned to the
 * largest and truncated to 24 bits; then wScale * F and + bias): 2u P + steps * 34u (P + A) for F,
 * with P = |regular|, plus 2u (P + |o| + |y| + that). The larger of the two bounds, then the final
 * rounding, half an ulp of the output dtype at |y|.
 */
abstract class LlmInt8LinearContract {
  static final float THRESHOLD = LlmInt8Linear.DEFAULT_THRESHOLD;

  abstract Context openContext();

  /** True where the backend's outlier part sums in ascending column order (the CPU's). */
  abstract boolean sumsInColumnOrder();

  /** x ~ N(0, 1) clamped to |x| <= 4, with {@code outliers} random columns at +-(20..60). */
  static float[] activations(SplittableRandom rng, int m, int k, int outliers, DType dtype) {
    float[] x = Inputs.gaussian(rng, m * k, 1.0);
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.max(-4f, Math.min(4f, x[i]));
    }
    List<Integer> cols = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      cols.add(j);
    }
    for (int i = 0; i < outliers; i++) { // a partial Fisher-Yates shuffle
      int pick = i + rng.nextInt(k - i);
      int c = cols.get(pick);
      cols.set(pick, cols.get(i));
      cols.set(i, c);
      for (int r = 0; r < m; r++) {
        x[r * k + c] = (rng.nextBoolean() ? 1 : -1) * (20f + 40f * (float) rng.nextDouble());
      }
    }
    return Int8LinearContract.round(dtype, x);
  }

  static Stream<Arguments> cases() {
    List<Arguments> a = new ArrayList<>();
    int i = 0;
    for (int m : new int[] {1, 7, 128}) {
      for (int k : new int[] {256, 4096}) {
        for (int outliers : new int[] {0, 1, 8, 64, k / 32 + 1, k / 2}) {
          a.add(Arguments.of(i % 2 == 0 ? DType.FP16 : DType.BF16, m, i % 3 == 0 ? 40 : 24, k, outliers, i % 4 != 1));
          i++;
        }
      }
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{0} M={1} N={2} K={3} outliers={4} bias={5}")
  @MethodSource("cases")
  void matchesTheReferenceDecomposition(DType dtype, int m, int n, int k, int outliers, boolean withBias) {
    openContext().close();
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = activations(rng, m, k, outliers, dtype);
    float[] w = Inputs.gaussian(rng, n * k, 1.0 / Math.sqrt(k));
    float[] bias = withBias ? Int8LinearContract.round(dtype, Inputs.gaussian(rng, n, 0.5)) : null;
    String where = dtype + " M=" + m + " N=" + n + " K=" + k + " outliers=" + outliers + " seed " + seed;

    Int8Matrix wq = ReferenceQuant.quantizePerChannel(w, n, k);
    ReferenceLlmInt8.Result ref = ReferenceLlmInt8.forward(x, m, k, wq, bias, THRESHOLD);
    assertEquals(outliers, ref.outliers().length, where);
    assertEquals(outliers > k / 32, ref.promoted(), where);
    double[] o = ReferenceLlmInt8.outlierPart(x, m, k, wq, ref.columns());

    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
        Tensor bt = bias == null ? null : ctx.upload(bias, dtype, Shape.of(n));
        Tensor xt = ctx.upload(x, dtype, Shape.of(m, k));
        LlmInt8Linear layer = LlmInt8Linear.builder(wt).bias(bt).build(stream);
        Tensor out = Inputs.poisoned(ctx, dtype, Shape.of(m, n))) {
      layer.forwardInto(xt, out, stream);
      stream.synchronize();
      float[] got = out.toFloatArray();
      assertEquals(outliers, layer.lastOutlierCount(), "outlier count, " + where);
      assertWithinTolerance(dtype, x, m, n, k, wq, bias, ref, o, got, where);
      if (sumsInColumnOrder()) { // bit for bit: the CPU backend's exact fp32 evaluation
        float[] c = ReferenceLlmInt8.outlierPartFp32(x, m, k, wq, ref.columns());
        for (int i = 0; i < c.length; i++) {
          c[i] = Inputs.roundTo(dtype, c[i]);
        }
        int[] acc = ReferenceGemm.accumulate(ref.regular().values(), wq.values(), m, n, k);
        float[] expect = ReferenceGemm.epilogue(acc, m, n, ref.regular().scales(), wq.scales(), bias, c);
        for (int i = 0; i < expect.length; i++) {
          expect[i] = Inputs.roundTo(dtype, expect[i]);
        }
        assertArrayEquals(expect, got, "bit-exact CPU order, " + where);
      }
    }
  }

  /** got against ref.y() element by element, with the tolerance of the class comment; NaN where ref.y() is NaN. */
  static void assertWithinTolerance(DType dtype, float[] x, int m, int n, int k, Int8Matrix wq,
      float[] bias, ReferenceLlmInt8.Result ref, double[] o, float[] got, String where) {
    double u = Math.ulp(1.0f) / 2;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double y = ref.y()[i * n + j];
        if (Double.isNaN(y)) {
          assertTrue(Float.isNaN(got[i * n + j]), "out[" + i + "," + j + "] = " + got[i * n + j] + ", reference NaN, " + where);
          continue;
        }
        double a = 0;
        for (int c : ref.columns()) {
          a += Math.abs((double) x[i * k + c] * wq.values()[j * k + c]);
        }
        a *= wq.scales()[j];
        double oc = o[i * n + j];
        double b = bias == null ? 0 : bias[j];
        double eO = (ref.columns().length + 1) * u * a;
        double eC = eO + ulp(dtype, Math.abs(oc) + eO) / 2;
        double p = Math.abs(y - oc - b);
        double eSrc = eC + 3 * u * (p + Math.abs(y) + Math.abs(b) + Math.abs(oc) + eC);
        double steps = Math.ceil(ref.columns().length / 16.0);
        double eF = 2 * u * p + steps * 34 * u * (p + a);
        double eMainloop = eF + 2 * u * (p + Math.abs(oc) + Math.abs(y) + eF);
        double e = Math.max(eSrc, eMainloop);
        double tol = e + ulp(dtype, Math.abs(y) + e) / 2;
        assertTrue(Math.abs(got[i * n + j] - y) <= tol,
            "out[" + i + "," + j + "] = " + got[i * n + j] + ", reference " + y + " (tolerance " + tol + "), " + where);
      }
    }
  }

  /**
   * Outlier columns large only in every third row and +-(4.5..5.9) elsewhere (under the threshold,
   * above every regular |x| <= 4: those rows' maximum lies in an outlier column, which their scale
   * must leave out), and a NaN in a regular column of row 1 (that column stays regular; row 1's
   * scale is NaN and its outputs NaN, as octet.h defines).
   */
  @Test
  void outlierColumnsMostlyUnderTheThresholdAndANaN() {
    openContext().close();
    for (DType dtype : new DType[] {DType.FP16, DType.BF16}) {
      int m = 128, n = 40, k = 1024, outliers = 24;
      long seed = Inputs.freshSeed();
      SplittableRandom rng = new SplittableRandom(seed);
      float[] x = activations(rng, m, k, outliers, dtype);
      int[] planted = ReferenceLlmInt8.outlierColumns(x, m, k, THRESHOLD);
      boolean[] isPlanted = new boolean[k];
      for (int c : planted) {
        isPlanted[c] = true;
      }
      for (int r = 0; r < m; r++) {
        if (r % 3 != 0) {
          for (int c : planted) {
            x[r * k + c] = (rng.nextBoolean() ? 1 : -1) * (4.5f + 1.4f * (float) rng.nextDouble());
          }
        }
      }
      int regular = 0;
      while (isPlanted[regular]) {
        regular++;
      }
      x[k + regular] = Float.NaN;
      x = Int8LinearContract.round(dtype, x);
      float[] w = Inputs.gaussian(rng, n * k, 1.0 / Math.sqrt(k));
      String where = dtype + " M=" + m + " N=" + n + " K=" + k + " sparse outliers + NaN, seed " + seed;
      Int8Matrix wq = ReferenceQuant.quantizePerChannel(w, n, k);
      ReferenceLlmInt8.Result ref = ReferenceLlmInt8.forward(x, m, k, wq, null, THRESHOLD);
      assertArrayEquals(planted, ref.outliers(), where);
      double[] o = ReferenceLlmInt8.outlierPart(x, m, k, wq, ref.columns());
      try (Context ctx = openContext();
          dev.octet.Stream stream = ctx.createStream();
          Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
          Tensor xt = ctx.upload(x, dtype, Shape.of(m, k));
          LlmInt8Linear layer = LlmInt8Linear.builder(wt).build(stream);
          Tensor out = Inputs.poisoned(ctx, dtype, Shape.of(m, n))) {
        layer.forwardInto(xt, out, stream);
        stream.synchronize();
        assertEquals(outliers, layer.lastOutlierCount(), "outlier count, " + where);
        assertWithinTolerance(dtype, x, m, n, k, wq, null, ref, o, out.toFloatArray(), where);
      }
    }
  }

  static double ulp(DType dtype, double v) {
    int mant = dtype == DType.FP16 ? 10 : 7;
    int emin = dtype == DType.FP16 ? -14 : -126;
    int e = v > 0 ? Math.getExponent(v) : emin;
    return Math.scalb(1.0, Math.max(e, emin) - mant);
  }

  /** No outlier column: the W8A8 dynamic per-token layer's output, bit for bit. */
  @Test
  void withoutOutliersItIsTheW8A8PathExactly() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int m = 33, n = 40, k = 256;
    for (DType dtype : new DType[] {DType.FP16, DType.BF16}) {
      float[] x = activations(rng, m, k, 0, dtype);
      float[] w = Inputs.gaussian(rng, n * k, 0.05);
      float[] b = Int8LinearContract.round(dtype, Inputs.gaussian(rng, n, 0.5));
      try (Context ctx = openContext();
          Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
          Tensor bt = ctx.upload(b, dtype, Shape.of(n));
          Tensor xt = ctx.upload(x, dtype, Shape.of(m, k));
          LlmInt8Linear llm = LlmInt8Linear.builder(wt).bias(bt).build(null);
          Int8Linear w8a8 = Int8Linear.builder(wt).bias(bt).build(null);
          Tensor y0 = llm.forward(xt, null);
          Tensor y1 = w8a8.forward(xt, null)) {
        assertArrayEquals(y1.toShortArray(), y0.toShortArray(), dtype.toString());
        assertEquals(0, llm.lastOutlierCount());
      }
    }
  }

  /** 8 of 4096 feature columns at magnitudes 20..60: >= 10 dB better SQNR than W8A8 per token. */
  @Test
  void plantedOutliersGainAtLeastTenDecibels() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int m = 16, n = 64, k = 4096;
    float[] x = activations(rng, m, k, 8, DType.BF16);
    float[] w = Inputs.gaussian(rng, n * k, 1.0 / Math.sqrt(k));
    float[] ref = Int8LinearContract.floatMatmul(x, w, null, m, n, k);
    try (Context ctx = openContext();
        Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
        Tensor xt = ctx.upload(x, DType.BF16, Shape.of(m, k));
        LlmInt8Linear llm = LlmInt8Linear.builder(wt).build(null);
        Int8Linear w8a8 = Int8Linear.builder(wt).build(null);
        Tensor y0 = llm.forward(xt, null);
        Tensor y1 = w8a8.forward(xt, null)) {
      double a = Metrics.sqnrDb(ref, y0.toFloatArray());
      double b = Metrics.sqnrDb(ref, y1.toFloatArray());
      System.out.printf("[octet] planted outliers: SQNR LLM.int8() %.2f dB, W8A8 per token %.2f dB%n", a, b);
      assertTrue(a >= b + 10, "LLM.int8() " + a + " dB vs W8A8 " + b + " dB");
      assertEquals(8, llm.lastOutlierCount());
    }
  }

  /** Workspace growth: forwards of changing M each give the reference's outlier count and values. */
  @Test
  void changingBatchSizesGrowTheWorkspace() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int n = 24, k = 128;
    float[] w = Inputs.gaussian(rng, n * k, 0.1);
    try (Context ctx = openContext();
        Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
        LlmInt8Linear layer = LlmInt8Linear.builder(wt).threshold(5f).build(null)) {
      Int8Matrix wq = ReferenceQuant.quantizePerChannel(w, n, k);
      int[] ms = {3, 70, 5, 70, 1};
      for (int t = 0; t < ms.length; t++) {
        int m = ms[t];
        float[] x = activations(rng, m, k, t, DType.FP16);
        ReferenceLlmInt8.Result ref = ReferenceLlmInt8.forward(x, m, k, wq, null, 5f);
        try (Tensor xt = ctx.upload(x, DType.FP16, Shape.of(m, k));
            Tensor y = layer.forward(xt, null)) {
          assertEquals(t, layer.lastOutlierCount(), "M=" + m);
          float[] got = y.toFloatArray();
          double[] want = ref.y();
          double sq = 0, err = 0;
          for (int i = 0; i < got.length; i++) {
            sq += want[i] * want[i];
            err += (got[i] - want[i]) * (got[i] - want[i]);
          }
          assertTrue(err <= 1e-4 * sq, "M=" + m + ": relative error " + Math.sqrt(err / sq));
        }
      }
    }
  }

  @Test
  void badInputGetsAClearError() {
    try (Context ctx = openContext();
        Tensor w = ctx.upload(new float[32], DType.FP32, Shape.of(4, 8));
        Tensor xWrongK = ctx.upload(new float[14], DType.FP16, Shape.of(2, 7));
        Tensor x32 = ctx.upload(new float[16], DType.FP32, Shape.of(2, 8));
        Tensor x = ctx.upload(new float[16], DType.FP16, Shape.of(2, 8));
        Tensor outBad = ctx.allocate(DType.FP16, Shape.of(2, 5));
        LlmInt8Linear layer = LlmInt8Linear.builder(w).build(null)) {
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "x must be", () -> layer.forward(xWrongK, null));
      WeightQuantizationContract.expectNamed(dev.octet.OctetException.class, "'x'", () -> layer.forward(x32, null));
      WeightQuantizationContract.expectNamed(dev.octet.OctetException.class, "'out'", () -> layer.forwardInto(x, outBad, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "x is null", () -> layer.forward(null, null));
      for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
        WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "threshold", () -> LlmInt8Linear.builder(w).threshold(bad));
      }
      assertTrue(Arrays.stream(new long[] {1, 7, 64}).map(layer::workspaceBytes).allMatch(v -> v > 0));
    }
  }

  static short[] bits(float[] v, DType dtype) {
    short[] s = new short[v.length];
    for (int i = 0; i < v.length; i++) {
      s[i] = dtype == DType.FP16 ? Numerics.floatToFp16(v[i]) : Numerics.floatToBf16(v[i]);
    }
    return s;
  }
}
