package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.OctetException;
import dev.octet.Shape;
import dev.octet.Status;
import dev.octet.Tensor;
import dev.octet.reference.Numerics;
import dev.octet.reference.ReferenceGemm;
import dev.octet.testing.Inputs;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cross-language check of the INT8 GEMM ({@link Int8Gemm}): fresh random int8 operands (the full
 * range, -128 included) through the Java reference and a liboctet backend (the subclass picks
 * which). The int32 accumulators must be bit-exact; the fp16/bf16 epilogue must lie within the
 * tolerance derived below of a float64 reference computed from the same int8 values and scales,
 * for every combination of output dtype, bias, per-token/per-tensor a scale and
 * per-channel/per-tensor b scale; {@link #epilogueBitExact()} backends must in addition equal
 * the Java reference's fp32 epilogue bit for bit.
 *
 * <p>Tolerance, per element, with u = 2^-24 and ref = acc * sa * sb + bias (float64), P = |acc *
 * sa * sb|: the fp32 epilogue rounds (float) acc, t = acc * sb and fma(sa, t, bias) once each, so
 * |y - ref| <= E = 3u (P + |ref|); rounding y to the output dtype adds at most half an ulp of
 * that dtype at |ref| + E. The bound: E + ulp(|ref| + E) / 2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class Int8GemmContract {
  /** The backend under test; opened once per test. */
  abstract Context openContext();

  /** Whether the backend's epilogue equals the Java reference's fp32 epilogue bit for bit. */
  abstract boolean epilogueBitExact();

  /** Shapes {M, N, K} this backend runs besides the common ones (big ones for the GPU). */
  Stream<int[]> extraShapes() {
    return Stream.empty();
  }

  /** Odd (portable-kernel) and aligned (tensor-core) shapes, kept small for the CPU. */
  static final int[][] COMMON_SHAPES = {
    {1, 1, 1}, {7, 13, 33}, {5, 40, 100}, {64, 64, 64}, {33, 64, 256}, {17, 24, 48}
  };

  Stream<Arguments> cases() {
    // variant bits: 1 BF16 (else FP16), 2 bias, 4 per-tensor a scale, 8 per-tensor b scale
    Stream.Builder<Arguments> b = Stream.builder();
    for (int[] s : COMMON_SHAPES) {
      for (int v = 0; v < 16; v++) {
        b.add(variant(s, v));
      }
    }
    // the extra (big) shapes: four variants that still set each bit both ways
    extraShapes().forEach(s -> IntStream.of(0, 5, 10, 15).forEach(v -> b.add(variant(s, v))));
    return b.build();
  }

  private static Arguments variant(int[] s, int v) {
    DType out = (v & 1) != 0 ? DType.BF16 : DType.FP16;
    return Arguments.of(s[0], s[1], s[2], out, (v & 2) != 0, (v & 4) == 0, (v & 8) == 0);
  }

  @ParameterizedTest(name = "[{0}, {1}, {2}] {3} bias={4} aPerToken={5} bPerChannel={6}")
  @MethodSource("cases")
  void matchesReference(
      int m, int n, int k, DType outType, boolean withBias, boolean aPerToken, boolean bPerChannel) {
    try (Context ctx = openContext()) { // first: a skipped GPU test computes nothing
      check(ctx, m, n, k, outType, withBias, aPerToken, bPerChannel);
    }
  }

  private void check(
      Context ctx, int m, int n, int k, DType outType, boolean withBias, boolean aPerToken,
      boolean bPerChannel) {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    String where = "[" + m + ", " + n + ", " + k + "] " + outType + " bias=" + withBias
        + " aPerToken=" + aPerToken + " bPerChannel=" + bPerChannel + " seed " + seed;
    byte[] a = randomBytes(rng, m * k);
    byte[] b = randomBytes(rng, n * k);
    float damp = (float) (1 / Math.sqrt(k)); // keep outputs near unit size
    float[] aScale = randomScales(rng, aPerToken ? m : 1, 1f);
    float[] bScale = randomScales(rng, bPerChannel ? n : 1, damp);
    float[] bias = null;
    if (withBias) {
      bias = Inputs.gaussian(rng, n, 1.0);
      for (int j = 0; j < n; j++) {
        bias[j] = Inputs.roundTo(outType, bias[j]);
      }
    }
    int[] acc = ReferenceGemm.accumulate(a, b, m, n, k);
    float[] y = ReferenceGemm.epilogue(acc, m, n, aScale, bScale, bias);
    short[] expectBits = outType == DType.FP16 ? ReferenceGemm.toFp16(y) : ReferenceGemm.toBf16(y);

    try (dev.octet.Stream stream = ctx.createStream();
        Tensor ta = ctx.upload(a, Shape.of(m, k));
        Tensor tb = ctx.upload(b, Shape.of(n, k));
        Tensor tas = ctx.upload(aScale, DType.FP32, Shape.of(aScale.length));
        Tensor tbs = ctx.upload(bScale, DType.FP32, Shape.of(bScale.length));
        Tensor tbias = withBias ? ctx.upload(bias, outType, Shape.of(n)) : null;
        Tensor raw = Inputs.poisoned(ctx, DType.INT32, Shape.of(m, n));
        Tensor out = Inputs.poisoned(ctx, outType, Shape.of(m, n))) {
      Int8Gemm.runRaw(ta, tb, raw, stream);
      Int8Gemm.run(ta, tb, tas, tbs, tbias, out, stream);
      stream.synchronize();
      assertArrayEquals(acc, raw.toIntArray(), "int32 accumulators, " + where);
      short[] gotBits = out.toShortArray();
      int outside = 0;
      int differ = 0;
      String first = null;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          int e = i * n + j;
          double sa = aScale[aPerToken ? i : 0];
          double sb = bScale[bPerChannel ? j : 0];
          double ref = (double) acc[e] * sa * sb + (bias == null ? 0 : bias[j]);
          double got = toDouble(outType, gotBits[e]);
          double tol = tolerance(outType, ref, Math.abs((double) acc[e] * sa * sb));
          if (!(Math.abs(got - ref) <= tol)) {
            outside++;
            if (first == null) {
              first = "out[" + i + ", " + j + "] = " + got + ", float64 reference " + ref
                  + ", tolerance " + tol;
            }
          }
          differ += gotBits[e] != expectBits[e] ? 1 : 0;
        }
      }
      assertEquals(0, outside, "outputs outside the derived tolerance (first: " + first + "), " + where);
      if (epilogueBitExact()) {
        assertEquals(0, differ, "outputs differing from the Java reference's bits, " + where);
      }
    }
  }

  /** E + ulp(|ref| + E) / 2 with E = 3u (P + |ref|): see the class comment. */
  static double tolerance(DType outType, double ref, double p) {
    double e = 3 * 0x1p-24 * (p + Math.abs(ref));
    return e + ulp(outType, Math.abs(ref) + e) / 2;
  }

  static double ulp(DType outType, double x) {
    int mant = outType == DType.FP16 ? 10 : 7;
    int emin = outType == DType.FP16 ? -14 : -126;
    int exp = x > 0 ? Math.max(emin, Math.getExponent(x)) : emin;
    return Math.scalb(1.0, exp - mant);
  }

  static double toDouble(DType outType, short bits) {
    return outType == DType.FP16 ? Numerics.fp16ToFloat(bits) : Numerics.bf16ToFloat(bits);
  }

  static byte[] randomBytes(SplittableRandom rng, int n) {
    byte[] v = new byte[n];
    for (int i = 0; i < n; i++) {
      v[i] = (byte) rng.nextInt(-128, 128);
    }
    return v;
  }

  static float[] randomScales(SplittableRandom rng, int n, float factor) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextDouble(0.5 / 127, 2.0 / 127) * factor;
    }
    return v;
  }

  @Test
  void extremeAccumulatorsAreExact() {
    int m = 2;
    int n = 2;
    int k = 4099;
    byte[] a = new byte[m * k];
    byte[] b = new byte[n * k];
    java.util.Arrays.fill(a, (byte) -128);
    java.util.Arrays.fill(b, (byte) -128);
    java.util.Arrays.fill(a, k, 2 * k, (byte) 127); // row 1: 127 * -128
    int[] acc = ReferenceGemm.accumulate(a, b, m, n, k);
    assertEquals(k * 16384, acc[0]);
    assertEquals(-k * 16256, acc[2]);
    try (Context ctx = openContext();
        Tensor ta = ctx.upload(a, Shape.of(m, k));
        Tensor tb = ctx.upload(b, Shape.of(n, k));
        Tensor raw = Inputs.poisoned(ctx, DType.INT32, Shape.of(m, n))) {
      Int8Gemm.runRaw(ta, tb, raw, null);
      assertArrayEquals(acc, raw.toIntArray());
    }
  }

  @Test
  void badInputGetsAnExceptionNamingTheArgument() {
    int m = 4;
    int n = 8;
    int k = 16;
    try (Context ctx = openContext();
        Context other = openContext();
        Tensor a = ctx.allocate(DType.INT8, Shape.of(m, k));
        Tensor b = ctx.allocate(DType.INT8, Shape.of(n, k));
        Tensor as = ctx.allocate(DType.FP32, Shape.of(m));
        Tensor bs = ctx.allocate(DType.FP32, Shape.of(n));
        Tensor out = ctx.allocate(DType.FP16, Shape.of(m, n));
        Tensor raw = ctx.allocate(DType.INT32, Shape.of(m, n));
        Tensor bWrongK = ctx.allocate(DType.INT8, Shape.of(n, k + 1));
        Tensor outWrongShape = ctx.allocate(DType.FP16, Shape.of(m, n + 8));
        Tensor outFp32 = ctx.allocate(DType.FP32, Shape.of(m, n));
        Tensor aFp16 = ctx.allocate(DType.FP16, Shape.of(m, k));
        Tensor asWrongLength = ctx.allocate(DType.FP32, Shape.of(m + 1));
        Tensor bsWrongLength = ctx.allocate(DType.FP32, Shape.of(2));
        Tensor bsFp16 = ctx.allocate(DType.FP16, Shape.of(n));
        Tensor biasBf16 = ctx.allocate(DType.BF16, Shape.of(n));
        Tensor biasWrongLength = ctx.allocate(DType.FP16, Shape.of(n - 1));
        Tensor bOther = other.allocate(DType.INT8, Shape.of(n, k));
        dev.octet.Stream otherStream = other.createStream()) {
      Int8Gemm.run(a, b, as, bs, null, out, null); // the valid call works
      expectNamed(IllegalArgumentException.class, "a is null", () -> Int8Gemm.run(null, b, as, bs, null, out, null));
      expectNamed(IllegalArgumentException.class, "out is null", () -> Int8Gemm.run(a, b, as, bs, null, null, null));
      expectNamed(OctetException.class, "disagree on K", () -> Int8Gemm.run(a, bWrongK, as, bs, null, out, null));
      expectNamed(OctetException.class, "'out'", () -> Int8Gemm.run(a, b, as, bs, null, outWrongShape, null));
      expectNamed(OctetException.class, "'out'", () -> Int8Gemm.run(a, b, as, bs, null, outFp32, null));
      expectNamed(OctetException.class, "'a'", () -> Int8Gemm.run(aFp16, b, as, bs, null, out, null));
      expectNamed(OctetException.class, "'a_scale'", () -> Int8Gemm.run(a, b, asWrongLength, bs, null, out, null));
      expectNamed(OctetException.class, "'b_scale'", () -> Int8Gemm.run(a, b, as, bsWrongLength, null, out, null));
      expectNamed(OctetException.class, "'b_scale'", () -> Int8Gemm.run(a, b, as, bsFp16, null, out, null));
      expectNamed(OctetException.class, "'a_scale'", () -> Int8Gemm.run(a, b, null, bs, null, out, null));
      expectNamed(OctetException.class, "'bias'", () -> Int8Gemm.run(a, b, as, bs, biasBf16, out, null));
      expectNamed(OctetException.class, "'bias'", () -> Int8Gemm.run(a, b, as, bs, biasWrongLength, out, null));
      expectNamed(OctetException.class, "raw mode", () -> Int8Gemm.run(a, b, as, bs, null, raw, null));
      expectNamed(OctetException.class, "different contexts", () -> Int8Gemm.run(a, bOther, as, bs, null, out, null));
      expectNamed(OctetException.class, "'stream'", () -> Int8Gemm.run(a, b, as, bs, null, out, otherStream));
      OctetException e = assertThrows(OctetException.class, () -> Int8Gemm.runRaw(a, bWrongK, raw, null));
      assertEquals(Status.INVALID_ARGUMENT, e.status());
      assertEquals("oct_gemm_s8", e.function());
      // K beyond the int32-exact limit: not supported
      try (Tensor aBig = ctx.allocate(DType.INT8, Shape.of(1, 131072));
          Tensor bBig = ctx.allocate(DType.INT8, Shape.of(1, 131072));
          Tensor rawBig = ctx.allocate(DType.INT32, Shape.of(1, 1))) {
        OctetException big = assertThrows(OctetException.class, () -> Int8Gemm.runRaw(aBig, bBig, rawBig, null));
        assertEquals(Status.NOT_SUPPORTED, big.status(), big.getMessage());
      }
      // a closed tensor: IllegalStateException, no crash
      Tensor closed = ctx.allocate(DType.FP32, Shape.of(m));
      closed.close();
      expectNamed(IllegalStateException.class, "closed", () -> Int8Gemm.run(a, b, closed, bs, null, out, null));
    }
  }

  static void expectNamed(Class<? extends Throwable> type, String fragment, Executable call) {
    Throwable t = assertThrows(type, call);
    assertTrue(
        t.getMessage() != null && t.getMessage().contains(fragment),
        "expected a message naming " + fragment + ", got: " + t.getMessage());
  }
}
