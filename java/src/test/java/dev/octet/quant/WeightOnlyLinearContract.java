package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.OctetException;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.reference.Int8Matrix;
import dev.octet.reference.ReferenceW8A16;
import dev.octet.testing.Inputs;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The weight-only INT8 layer on a liboctet backend (the subclass picks which), on fresh random
 * inputs:
 *
 * <ul>
 *   <li>against the float64 {@link ReferenceW8A16} applied to the layer's own INT8 weight, within
 *       the tolerance derived from fp32 accumulation and one fp16/bf16 rounding: |y - ref| <= u
 *       |ref| + (1 + u) E + tiny, E = (K/8 + G + 16) 2^-23 sum_k |x w'| + 2^-24 |b| (one fp32 ulp
 *       per addition along the deepest accumulation chain of any backend; u = 2^-11 fp16, 2^-8
 *       bf16; native/tests/w8a16_check.hpp has the derivation);
 *   <li>as a layer, against the float matmul of the original x and W: SQNR >= 38 dB on Gaussian
 *       data (INT8 rounding of Gaussian weights alone allows about 42 dB per channel);
 *   <li>bad input is named.
 * </ul>
 */
abstract class WeightOnlyLinearContract {
  abstract Context openContext();

  static Stream<Arguments> cases() {
    // {M, N, K, group (0: per channel)}
    int[][] shapes = {
      {1, 1, 16, 0}, {3, 3, 80, 0}, {1, 257, 256, 64}, {16, 257, 384, 128}, {17, 64, 256, 0},
      {70, 96, 512, 64}, {9, 40, 4096, 128}, {33, 512, 4096, 0}
    };
    Stream.Builder<Arguments> b = Stream.builder();
    int i = 0;
    for (int[] s : shapes) {
      for (DType act : new DType[] {DType.FP16, DType.BF16}) {
        DType wtype = new DType[] {DType.FP32, DType.FP16, DType.BF16}[i % 3];
        b.add(Arguments.of(act, wtype, s[0], s[1], s[2], s[3], (i++ % 2) == 0));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} x, {1} weight, M {2} N {3} K {4} group {5} bias {6}")
  @MethodSource("cases")
  void matchesTheFloat64Reference(
      DType act, DType wtype, int m, int n, int k, int group, boolean withBias) {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    float[] w = round(wtype, Inputs.gaussian(rng, n * k, 0.05));
    float[] x = round(act, Inputs.gaussian(rng, m * k, 1.0));
    float[] bias = withBias ? round(act, Inputs.gaussian(rng, n, 1.0)) : null;
    String where = act + " M " + m + " N " + n + " K " + k + " group " + group + " seed " + seed;
    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor wt = ctx.upload(w, wtype, Shape.of(n, k));
        Tensor bt = withBias ? ctx.upload(bias, DType.FP32, Shape.of(n)) : null;
        WeightOnlyLinear layer = WeightOnlyLinear.quantize(wt, bt, group, stream);
        Tensor xt = ctx.upload(x, act, Shape.of(m, k));
        Tensor out = Inputs.poisoned(ctx, act, Shape.of(m, n))) {
      layer.forwardInto(xt, out, stream);
      stream.synchronize();
      float[] got = out.toFloatArray();
      int groupSize = group == 0 ? k : group;
      Int8Matrix q =
          new Int8Matrix(
              layer.weight().values().toByteArray(),
              layer.weight().scales().toFloatArray(),
              n, k, groupSize);
      double[] ref = ReferenceW8A16.linear(x, m, q, bias);
      double u = act == DType.FP16 ? 0x1p-11 : 0x1p-8;
      double tiny = act == DType.FP16 ? 0x1p-24 : 0x1p-133;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double mag = 0;
          for (int c = 0; c < k; c++) {
            mag += Math.abs(x[i * k + c] * (double) q.values()[j * k + c]
                * q.scales()[j * q.groups() + c / groupSize]);
          }
          double b = bias == null ? 0 : bias[j];
          double e = (k / 8 + q.groups() + 16) * 0x1p-23 * mag + 0x1p-24 * Math.abs(b);
          double tol = u * Math.abs(ref[i * n + j]) + (1 + u) * e + tiny;
          double err = Math.abs(got[i * n + j] - ref[i * n + j]);
          assertTrue(err <= tol,
              "y[" + i + "," + j + "] = " + got[i * n + j] + ", reference " + ref[i * n + j]
                  + ", |err| " + err + " > tol " + tol + "; " + where);
        }
      }
      // forward() allocates the same result
      try (Tensor y = layer.forward(xt, stream)) {
        stream.synchronize();
        assertEquals(act, y.dtype());
        assertTrue(java.util.Arrays.equals(got, y.toFloatArray()), "forward vs forwardInto, " + where);
      }
    }
  }

  @ParameterizedTest(name = "{0} activations, group {1}")
  @MethodSource("sqnrCases")
  void layerAccuracyAgainstTheFloatMatmul(DType act, int group) {
    int m = 16, n = 256, k = 1024;
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    float[] w = Inputs.gaussian(rng, n * k, 0.02);
    float[] x = round(act, Inputs.gaussian(rng, m * k, 1.0));
    float[] exact = new float[m * n]; // the float matmul of the original x and W, in double
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int c = 0; c < k; c++) {
          s += (double) x[i * k + c] * w[j * k + c];
        }
        exact[i * n + j] = (float) s;
      }
    }
    try (Context ctx = openContext();
        Tensor wt = ctx.upload(w, DType.FP32, Shape.of(n, k));
        WeightOnlyLinear layer = WeightOnlyLinear.quantize(wt, null, group, null);
        Tensor xt = ctx.upload(x, act, Shape.of(m, k));
        Tensor y = layer.forward(xt, null)) {
      double sqnr = Metrics.sqnrDb(exact, y.toFloatArray());
      System.out.printf(
          "W8A16 layer SQNR vs float matmul: %.2f dB (%s activations, %s, %s; M %d N %d K %d)%n",
          sqnr, act, group == 0 ? "per channel" : "group " + group, ctx.backend(), m, n, k);
      assertTrue(sqnr >= 38.0, "SQNR " + sqnr + " dB < 38 dB; seed " + seed);
    }
  }

  static Stream<Arguments> sqnrCases() {
    return Stream.of(
        Arguments.of(DType.FP16, 0), Arguments.of(DType.BF16, 0),
        Arguments.of(DType.FP16, 64), Arguments.of(DType.BF16, 128));
  }

  @Test
  void badInputIsNamed() {
    try (Context ctx = openContext();
        Tensor w = ctx.upload(new float[3 * 128], DType.FP32, Shape.of(3, 128));
        Tensor w40 = ctx.upload(new float[3 * 40], DType.FP32, Shape.of(3, 40));
        Tensor bias4 = ctx.upload(new float[4], DType.FP32, Shape.of(4));
        WeightOnlyLinear layer = WeightOnlyLinear.quantize(w, null, 0, null);
        Tensor x = ctx.upload(new float[2 * 128], DType.FP16, Shape.of(2, 128));
        Tensor x32 = ctx.upload(new float[2 * 128], DType.FP32, Shape.of(2, 128));
        Tensor xK = ctx.upload(new float[2 * 64], DType.FP16, Shape.of(2, 64));
        Tensor outShape = ctx.allocate(DType.FP16, Shape.of(2, 4));
        Tensor outDtype = ctx.allocate(DType.BF16, Shape.of(2, 3))) {
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "weight",
          () -> WeightOnlyLinear.quantize(null, null, 0, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "K = 40",
          () -> WeightOnlyLinear.quantize(w40, null, 0, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "groupSize is 32",
          () -> WeightOnlyLinear.quantize(w, null, 32, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "groupSize is 96",
          () -> WeightOnlyLinear.quantize(w, null, 96, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "bias",
          () -> WeightOnlyLinear.quantize(w, bias4, 0, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "x is null",
          () -> layer.forward(null, null));
      WeightQuantizationContract.expectNamed(OctetException.class, "'x' has dtype fp32",
          () -> layer.forward(x32, null));
      WeightQuantizationContract.expectNamed(OctetException.class, "'q'",
          () -> layer.forward(xK, null));
      WeightQuantizationContract.expectNamed(OctetException.class, "'out'",
          () -> layer.forwardInto(x, outShape, null));
      WeightQuantizationContract.expectNamed(OctetException.class, "'out' has dtype bf16",
          () -> layer.forwardInto(x, outDtype, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "out is null",
          () -> layer.forwardInto(x, null, null));
      // x as a view one element (2 bytes) into a tensor: not 16-byte aligned, on every backend
      try (Tensor big = ctx.upload(new float[2 * 128 + 8], DType.FP16, Shape.of(2 * 128 + 8));
          Tensor xOff = big.view(Shape.of(2, 128), 1);
          Tensor out = ctx.allocate(DType.FP16, Shape.of(2, 3))) {
        OctetException e = org.junit.jupiter.api.Assertions.assertThrows(
            OctetException.class, () -> layer.forwardInto(xOff, out, null));
        assertEquals(dev.octet.Status.MISALIGNED, e.status());
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("16-byte alignment"),
            e.getMessage());
        try (Tensor xAligned = big.view(Shape.of(2, 128), 8)) {  // 16 bytes in: accepted
          layer.forwardInto(xAligned, out, null);
        }
      }
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseThrows() {
    try (Context ctx = openContext();
        Tensor w = ctx.upload(new float[2 * 64], DType.FP32, Shape.of(2, 64));
        Tensor b = ctx.upload(new float[] {1, 2}, DType.FP32, Shape.of(2));
        Tensor x = ctx.upload(new float[64], DType.BF16, Shape.of(1, 64))) {
      WeightOnlyLinear layer = WeightOnlyLinear.quantize(w, b, 64, null);
      assertTrue(layer.hasBias());
      assertEquals(2, layer.outFeatures());
      assertEquals(64, layer.inFeatures());
      try (Tensor y = layer.forward(x, null)) {
        assertTrue(java.util.Arrays.equals(new float[] {1, 2}, y.toFloatArray()));
      }
      layer.close();
      layer.close();
      assertTrue(layer.weight().values().isClosed());
      WeightQuantizationContract.expectNamed(IllegalStateException.class, "closed",
          () -> layer.forward(x, null));
    }
  }

  private static float[] round(DType d, float[] v) {
    for (int i = 0; i < v.length; i++) {
      v[i] = Inputs.roundTo(d, v[i]);
    }
    return v;
  }
}
