package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.OctetException;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.reference.Int8Activations;
import dev.octet.reference.ReferenceQuant;
import dev.octet.testing.Inputs;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cross-language check of activation quantization: Java reference vs a liboctet backend, int8
 * values and scales bit-identical, for every scheme, both input dtypes, with and without a
 * smoothing multiplier, on odd shapes (rows not a multiple of 8 take the scalar path).
 */
abstract class ActivationQuantizationContract {
  abstract Context openContext();

  static Stream<Arguments> cases() {
    int[][] shapes = {{1, 1}, {5, 7}, {3, 4096}, {33, 4096}, {17, 1000}, {128, 11008}, {2, 100000}};
    Stream.Builder<Arguments> b = Stream.builder();
    for (ActivationScheme scheme : ActivationScheme.values()) {
      for (DType d : new DType[] {DType.FP16, DType.BF16}) {
        for (int[] s : shapes) {
          b.add(Arguments.of(scheme, d, s[0], s[1], s[0] % 2 == 1));
        }
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} {1} [{2}, {3}] smooth={4}")
  @MethodSource("cases")
  void matchesJavaReferenceBitForBit(
      ActivationScheme scheme, DType dtype, int rows, int cols, boolean smoothed) {
    openContext().close(); // skips here, before any work, where the backend is absent
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = Inputs.gaussian(rng, rows * cols, 2.0);
    if (rows > 2 && scheme != ActivationScheme.DYNAMIC_PER_TENSOR) {
      java.util.Arrays.fill(x, cols, 2 * cols, 0f); // an all-zero row
      x[2 * cols + cols / 2] = Float.NaN; // a NaN row
    }
    if (rows > 3) {
      x[3 * cols] = 50f; // an outlier
    }
    for (int i = 0; i < x.length; i++) {
      x[i] = Inputs.roundTo(dtype, x[i]);
    }
    float[] smooth = null;
    if (smoothed) {
      smooth = new float[cols];
      for (int k = 0; k < cols; k++) {
        smooth[k] = (float) Math.exp(rng.nextDouble(-2, 2));
      }
    }
    float staticScale = scheme == ActivationScheme.STATIC_PER_TENSOR ? 0.0371f : Float.NaN;
    Int8Activations ref =
        ReferenceQuant.quantizeActivations(x, rows, cols, scheme.perToken(), smooth, staticScale);
    String where = scheme + " " + dtype + " [" + rows + ", " + cols + "] seed " + seed;

    Shape shape = Shape.of(rows, cols);
    Shape scaleShape = Shape.of(scheme.perToken() ? rows : 1);
    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor xt = ctx.upload(x, dtype, shape);
        Tensor st = smooth == null ? null : ctx.upload(smooth, DType.FP32, Shape.of(cols));
        Tensor xq = Inputs.poisoned(ctx, DType.INT8, shape);
        Tensor scales =
            scheme == ActivationScheme.STATIC_PER_TENSOR
                ? ctx.upload(new float[] {staticScale}, DType.FP32, scaleShape)
                : Inputs.poisoned(ctx, DType.FP32, scaleShape)) {
      ActivationQuantizer.quantizeInto(xt, scheme, st, xq, scales, stream);
      stream.synchronize();
      assertArrayEquals(ref.values(), xq.toByteArray(), "int8 values, " + where);
      float[] got = scales.toFloatArray();
      for (int i = 0; i < got.length; i++) {
        assertEquals(
            Float.floatToIntBits(ref.scales()[i]), Float.floatToIntBits(got[i]), "scale " + i + ", " + where);
      }
    }
  }

  @Test
  void nonFiniteInputFollowsTheDocumentedRules() {
    float inf = Float.POSITIVE_INFINITY;
    float[] x = {1, 2, 3, 4, Float.NaN, 1, 1, 1, 0, 0, inf, -inf};
    try (Context ctx = openContext();
        Tensor xt = ctx.upload(x, DType.FP16, Shape.of(3, 4));
        Tensor xq = ctx.allocate(DType.INT8, Shape.of(3, 4));
        Tensor tok = ctx.allocate(DType.FP32, Shape.of(3));
        Tensor one = ctx.allocate(DType.FP32, Shape.of(1));
        Tensor fixed = ctx.upload(new float[] {0.5f}, DType.FP32, Shape.of(1))) {
      ActivationQuantizer.quantizeInto(xt, ActivationScheme.DYNAMIC_PER_TOKEN, null, xq, tok, null);
      float[] s = tok.toFloatArray();
      assertTrue(s[0] == 4f / 127f && Float.isNaN(s[1]) && Float.isNaN(s[2]));
      assertArrayEquals(new byte[] {32, 64, 95, 127, 0, 0, 0, 0, 0, 0, 0, 0}, xq.toByteArray());
      ActivationQuantizer.quantizeInto(xt, ActivationScheme.DYNAMIC_PER_TENSOR, null, xq, one, null);
      assertTrue(Float.isNaN(one.toFloatArray()[0]));
      assertArrayEquals(new byte[12], xq.toByteArray());
      ActivationQuantizer.quantizeInto(xt, ActivationScheme.STATIC_PER_TENSOR, null, xq, fixed, null);
      assertArrayEquals(new byte[] {2, 4, 6, 8, 0, 2, 2, 2, 0, 0, 127, -127}, xq.toByteArray());
    }
  }

  @Test
  void badInputGetsAnExceptionNamingTheArgument() {
    try (Context ctx = openContext();
        Tensor x = ctx.upload(new float[12], DType.FP16, Shape.of(3, 4));
        Tensor x32 = ctx.upload(new float[12], DType.FP32, Shape.of(3, 4));
        Tensor xq = ctx.allocate(DType.INT8, Shape.of(3, 4));
        Tensor tok = ctx.allocate(DType.FP32, Shape.of(3));
        Tensor one = ctx.allocate(DType.FP32, Shape.of(1));
        Tensor smoothWrong = ctx.allocate(DType.FP32, Shape.of(5))) {
      WeightQuantizationContract.expectNamed(OctetException.class, "'x'",
          () -> ActivationQuantizer.quantizeInto(x32, ActivationScheme.DYNAMIC_PER_TOKEN, null, xq, tok, null));
      WeightQuantizationContract.expectNamed(OctetException.class, "'scales'",
          () -> ActivationQuantizer.quantizeInto(x, ActivationScheme.DYNAMIC_PER_TOKEN, null, xq, one, null));
      WeightQuantizationContract.expectNamed(OctetException.class, "'scales'",
          () -> ActivationQuantizer.quantizeInto(x, ActivationScheme.DYNAMIC_PER_TENSOR, null, xq, tok, null));
      WeightQuantizationContract.expectNamed(OctetException.class, "'smooth'",
          () -> ActivationQuantizer.quantizeInto(x, ActivationScheme.DYNAMIC_PER_TOKEN, smoothWrong, xq, tok, null));
      WeightQuantizationContract.expectNamed(IllegalArgumentException.class, "scheme",
          () -> ActivationQuantizer.quantizeInto(x, null, null, xq, tok, null));
    }
  }
}
