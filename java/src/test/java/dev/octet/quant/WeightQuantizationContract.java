package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.OctetException;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.reference.Int8Matrix;
import dev.octet.reference.Numerics;
import dev.octet.reference.ReferenceQuant;
import dev.octet.testing.Inputs;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cross-language check of weight quantization (per channel and per group): the same fresh
 * random weights through the
 * Java reference and a liboctet backend (the subclass picks which); int8 values, scales and
 * dequantized outputs must be bit-identical (NaN: any NaN).
 */
abstract class WeightQuantizationContract {
  /** The backend under test; opened once per test. */
  abstract Context openContext();

  static Stream<Arguments> cases() {
    // {rows, cols, group size (0: per channel)}
    int[][] shapes = {
      {1, 1, 0}, {3, 5, 0}, {4095, 11, 0}, {7, 1000, 0}, {64, 4096, 0},
      {7, 1000, 8}, {64, 4096, 64}, {9, 4096, 128}, {3, 384, 128}
    };
    Stream.Builder<Arguments> b = Stream.builder();
    for (DType w : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
      for (int[] s : shapes) {
        b.add(Arguments.of(w, s[0], s[1], s[2]));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} weight [{1}, {2}] group {3}")
  @MethodSource("cases")
  void matchesJavaReferenceBitForBit(DType wtype, int rows, int cols, int group) {
    openContext().close(); // skips here, before any work, where the backend is absent
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    float[] w = Inputs.gaussian(rng, rows * cols, 1.0);
    for (int r = 0; r < rows; r++) { // magnitudes from 1e-3 to 1e3 across rows
      float mag = (float) Math.pow(10, rng.nextDouble(-3, 3));
      for (int c = 0; c < cols; c++) {
        w[r * cols + c] *= mag;
      }
    }
    float huge = wtype == DType.FP16 ? 60000f : 3.0e38f;
    float tiny = wtype == DType.FP16 ? 6.0e-8f : 1.0e-40f; // subnormal in the dtype
    plantRow(w, rows, cols, 1, c -> 0f); // all zeros
    plantRow(w, rows, cols, 2, c -> c == cols / 2 ? huge : w[2 * cols + c]); // one huge value
    plantRow(w, rows, cols, 3, c -> c == cols - 1 ? Float.NaN : w[3 * cols + c]);
    plantRow(w, rows, cols, 4, c -> c == 0 ? Float.POSITIVE_INFINITY : w[4 * cols + c]);
    plantRow(w, rows, cols, 5, c -> c == cols / 3 ? Float.NEGATIVE_INFINITY : w[5 * cols + c]);
    plantRow(w, rows, cols, 6, c -> (c % 2 == 0 ? tiny : -tiny)); // scale underflows to 0
    for (int i = 0; i < w.length; i++) {
      w[i] = Inputs.roundTo(wtype, w[i]);
    }
    int groupSize = group == 0 ? cols : group;
    Int8Matrix ref = ReferenceQuant.quantizeWeight(w, rows, cols, groupSize);
    String where = wtype + " [" + rows + ", " + cols + "] group " + group + " seed " + seed;
    Shape scaleShape = group == 0 ? Shape.of(rows) : Shape.of(rows, cols / group);

    Shape shape = Shape.of(rows, cols);
    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor weight = ctx.upload(w, wtype, shape);
        Tensor values = Inputs.poisoned(ctx, DType.INT8, shape);
        Tensor scales = Inputs.poisoned(ctx, DType.FP32, scaleShape)) {
      QuantizedWeight.quantizeInto(weight, group, values, scales, stream);
      stream.synchronize();
      assertArrayEquals(ref.values(), values.toByteArray(), "int8 values, " + where);
      float[] gotScales = scales.toFloatArray();
      for (int i = 0; i < gotScales.length; i++) {
        assertEquals(
            Float.floatToIntBits(ref.scales()[i]),
            Float.floatToIntBits(gotScales[i]),
            "scale " + i + ", " + where);
      }
      float[] refDeq = ReferenceQuant.dequantize(ref);
      QuantizedWeight qw = QuantizedWeight.of(values, scales); // not closed: the try closes them
      for (DType out : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
        try (Tensor deq = Inputs.poisoned(ctx, out, shape)) {
          qw.dequantizeInto(deq, stream);
          stream.synchronize();
          float[] got = deq.toFloatArray();
          for (int i = 0; i < got.length; i++) {
            float expect = Inputs.roundTo(out, refDeq[i]);
            if (Float.isNaN(expect)) {
              assertTrue(Float.isNaN(got[i]), "dequant " + out + " at " + i + " not NaN, " + where);
            } else if (Float.floatToIntBits(expect) != Float.floatToIntBits(got[i])) {
              assertEquals(expect, got[i], "dequant " + out + " at " + i + ", " + where);
            }
          }
        }
      }
      // The Java reference itself, against the definition: error within half a step per row.
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          float s = ref.scales()[r * ref.groups() + c / groupSize];
          if (Float.isNaN(s)) {
            continue;
          }
          // |q - w/s| <= 1/2 + the fp32 rounding of w/s (<= 127 * 2^-24), and q*s adds one
          // more rounding of at most 127 * s * 2^-24: in all 0.5 s + 254 s 2^-24.
          double err = Math.abs((double) refDeq[r * cols + c] - w[r * cols + c]);
          assertTrue(
              err <= s * (0.5 + 254 * 0x1p-24),
              "round-trip error " + err + " at (" + r + "," + c + "), scale " + s + ", " + where);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specialRowDtypes")
  void specialRowsHaveTheDocumentedBehaviour(DType wtype) {
    float[] w = {
      0f, 0f, 0f, 0f, // zeros: scale 1, q 0
      Float.NaN, 1f, 2f, 3f, // NaN: scale NaN, q 0
      1f, -2f, Float.POSITIVE_INFINITY, 0.5f, // Inf: scale NaN, q 0
      127f, -63.5f, 0.5f, 1.5f // scale 1: ties round to even (0.5 -> 0, 1.5 -> 2, -63.5 -> -64)
    };
    try (Context ctx = openContext();
        Tensor weight = ctx.upload(w, wtype, Shape.of(4, 4));
        QuantizedWeight qw = QuantizedWeight.quantize(weight, null)) {
      float[] s = qw.scales().toFloatArray();
      assertEquals(1f, s[0]);
      assertTrue(Float.isNaN(s[1]) && Float.isNaN(s[2]));
      assertEquals(1f, s[3]);
      assertArrayEquals(
          new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, -64, 0, 2},
          qw.values().toByteArray());
      assertArrayEquals(new int[] {1, 2}, qw.nonFiniteRows());
      assertEquals(Numerics.scaleFromAbsmax(0f), 1f);
    }
  }

  static Stream<DType> specialRowDtypes() {
    return Stream.of(DType.FP32, DType.FP16, DType.BF16);
  }

  @org.junit.jupiter.api.Test
  void badInputGetsAnExceptionNamingTheArgument() {
    try (Context ctx = openContext();
        Context other = openContext();
        Tensor w = ctx.upload(new float[12], DType.FP32, Shape.of(3, 4));
        Tensor q = ctx.allocate(DType.INT8, Shape.of(3, 4));
        Tensor s = ctx.allocate(DType.FP32, Shape.of(3));
        Tensor qWrongShape = ctx.allocate(DType.INT8, Shape.of(3, 5));
        Tensor sWrongLength = ctx.allocate(DType.FP32, Shape.of(4));
        Tensor sWrongDtype = ctx.allocate(DType.FP16, Shape.of(3));
        Tensor wInt8 = ctx.allocate(DType.INT8, Shape.of(3, 4));
        Tensor wRank1 = ctx.allocate(DType.FP32, Shape.of(12));
        Tensor sOther = other.allocate(DType.FP32, Shape.of(3));
        dev.octet.Stream otherStream = other.createStream()) {
      expectNamed(IllegalArgumentException.class, "weight", () -> QuantizedWeight.quantize(null, null));
      expectNamed(IllegalArgumentException.class, "weight", () -> QuantizedWeight.quantize(wRank1, null));
      expectNamed(OctetException.class, "'weight'", () -> QuantizedWeight.quantizeInto(wInt8, 0, q, s, null));
      expectNamed(OctetException.class, "'q'", () -> QuantizedWeight.quantizeInto(w, 0, qWrongShape, s, null));
      expectNamed(OctetException.class, "'scales'", () -> QuantizedWeight.quantizeInto(w, 0, q, sWrongLength, null));
      expectNamed(OctetException.class, "'scales'", () -> QuantizedWeight.quantizeInto(w, 0, q, sWrongDtype, null));
      expectNamed(OctetException.class, "different contexts", () -> QuantizedWeight.quantizeInto(w, 0, q, sOther, null));
      expectNamed(OctetException.class, "'stream'", () -> QuantizedWeight.quantizeInto(w, 0, q, s, otherStream));
      expectNamed(IllegalArgumentException.class, "values", () -> QuantizedWeight.quantizeInto(w, 0, null, s, null));
      expectNamed(IllegalArgumentException.class, "host", () -> w.copyFrom(java.lang.foreign.MemorySegment.ofArray(new float[11])));
      expectNamed(IllegalArgumentException.class, "shape", () -> ctx.upload(new float[5], DType.FP32, Shape.of(2, 3)));
      expectNamed(IllegalArgumentException.class, "dtype", () -> ctx.upload(new float[6], DType.INT32, Shape.of(2, 3)));
      expectNamed(IllegalArgumentException.class, "dims[1]", () -> Shape.of(2, 0));
      expectNamed(IllegalArgumentException.class, "groupSize", () -> QuantizedWeight.quantize(w, 3, null));
      expectNamed(OctetException.class, "'group_size'", () -> QuantizedWeight.quantizeInto(w, 3, q, s, null));
      expectNamed(OctetException.class, "'scales'", () -> QuantizedWeight.quantizeInto(w, 2, q, s, null));
      // byte size overflowing int64: rejected before any allocation
      expectNamed(OctetException.class, "'shape' overflows", () -> ctx.allocate(DType.FP32, Shape.of(1L << 31, 1L << 31)));
      // valid but far beyond any memory: out of memory, not a crash
      OctetException oom = org.junit.jupiter.api.Assertions.assertThrows(
          OctetException.class, () -> ctx.allocate(DType.FP32, Shape.of(1L << 50)));
      assertEquals(dev.octet.Status.OUT_OF_MEMORY, oom.status(), oom.getMessage());
      OctetException e = org.junit.jupiter.api.Assertions.assertThrows(
          OctetException.class, () -> QuantizedWeight.quantizeInto(w, 0, qWrongShape, s, null));
      assertEquals(dev.octet.Status.INVALID_ARGUMENT, e.status());
      assertEquals("oct_quantize_weight", e.function());
    }
  }

  @org.junit.jupiter.api.Test
  void closeIsIdempotentAndUseAfterCloseThrows() {
    Context ctx = openContext();
    Tensor w = ctx.upload(new float[] {1, 2, 3, 4}, DType.FP32, Shape.of(2, 2));
    Tensor q = ctx.allocate(DType.INT8, Shape.of(2, 2));
    Tensor s = ctx.allocate(DType.FP32, Shape.of(2));
    dev.octet.Stream stream = ctx.createStream();
    ctx.close(); // the tensors and the stream keep the native context alive
    ctx.close();
    expectNamed(IllegalStateException.class, "closed", ctx::createStream);
    expectNamed(IllegalStateException.class, "closed", () -> QuantizedWeight.quantize(w, stream));
    QuantizedWeight.quantizeInto(w, 0, q, s, stream);
    QuantizedWeight qw = QuantizedWeight.of(q, s);
    stream.synchronize();
    assertArrayEquals(
        ReferenceQuant.quantizePerChannel(new float[] {1, 2, 3, 4}, 2, 2).values(),
        qw.values().toByteArray());
    qw.close();
    qw.close();
    assertTrue(q.isClosed() && s.isClosed());
    expectNamed(IllegalStateException.class, "closed", () -> qw.values().toByteArray());
    expectNamed(IllegalStateException.class, "closed", () -> qw.dequantizeInto(w, null));
    stream.close();
    stream.close();
    expectNamed(IllegalStateException.class, "closed", stream::synchronize);
    w.close();
    w.close();
    assertTrue(w.isClosed());
    expectNamed(IllegalStateException.class, "closed", w::toFloatArray);
  }

  static void expectNamed(Class<? extends Throwable> type, String fragment, org.junit.jupiter.api.function.Executable call) {
    Throwable t = org.junit.jupiter.api.Assertions.assertThrows(type, call);
    assertTrue(
        t.getMessage() != null && t.getMessage().contains(fragment),
        "expected a message naming " + fragment + ", got: " + t.getMessage());
  }

  private static void plantRow(
      float[] w, int rows, int cols, int row, java.util.function.IntFunction<Float> value) {
    if (row >= rows) {
      return;
    }
    float[] vals = new float[cols];
    for (int c = 0; c < cols; c++) {
      vals[c] = value.apply(c);
    }
    System.arraycopy(vals, 0, w, row * cols, cols);
  }
}
