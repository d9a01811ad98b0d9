package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.OctetException;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.quant.calib.ChannelAbsMax;
import dev.octet.quant.calib.EntropyObserver;
import dev.octet.quant.calib.MinMaxObserver;
import dev.octet.quant.calib.MseObserver;
import dev.octet.quant.calib.Observer;
import dev.octet.quant.calib.PercentileObserver;
import dev.octet.reference.ReferenceStats;
import dev.octet.testing.Inputs;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tensor statistics computed by a liboctet backend (the subclass picks which) against the Java
 * reference ({@link ReferenceStats}) on the same values: absmax, min/max and the integer
 * histograms must be bit-identical, and so must the observers' scales whether they are fed
 * tensors or arrays.
 */
abstract class TensorStatsContract {
  abstract Context openContext();

  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> b = Stream.builder();
    long[][] shapes = {{1}, {7}, {3, 5}, {130, 257}, {2, 3, 1000}, {4096, 16}, {1, 70_001}};
    for (DType d : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
      for (long[] s : shapes) {
        b.add(Arguments.of(d, Shape.of(s)));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void statisticsMatchTheJavaReference(DType dtype, Shape shape) {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    int n = Math.toIntExact(shape.numel());
    float[] x = Inputs.gaussian(rng, n, rng.nextDouble(0.01, 100));
    x[rng.nextInt(n)] *= 40; // an outlier
    if (n > 3) {
      x[1] = 0f;
      x[2] = -0f;
    }
    for (int i = 0; i < n; i++) {
      x[i] = Inputs.roundTo(dtype, x[i]);
    }
    String where = dtype + " " + shape + " seed " + seed;
    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor t = ctx.upload(x, dtype, shape)) {
      assertEquals(ReferenceStats.absmax(x), TensorStats.absmax(t, stream), where);
      assertArrayEquals(ReferenceStats.minMax(x), TensorStats.minMax(t, stream), where);
      float absmax = ReferenceStats.absmax(x);
      float hi = (float) Math.scalb(1.0, Math.getExponent(absmax) + 1);
      for (int bins : new int[] {1, 4, 2048, 8192}) {
        assertArrayEquals(
            ReferenceStats.histogram(x, 0f, hi, bins, true),
            TensorStats.histogram(t, 0f, hi, bins, true, stream), "abs " + bins + " " + where);
        // a signed range that cuts the data on both sides, with inexact bin edges
        float lo = -0.37f * absmax;
        float up = 0.61f * absmax;
        assertArrayEquals(
            ReferenceStats.histogram(x, lo, up, bins, false),
            TensorStats.histogram(t, lo, up, bins, false, stream), "signed " + bins + " " + where);
      }
      int k = Math.toIntExact(shape.dim(shape.rank() - 1));
      float[] cols = new float[k];
      for (int i = 0; i < n; i++) {
        cols[i % k] = Math.max(cols[i % k], Math.abs(x[i]));
      }
      assertArrayEquals(cols, TensorStats.columnAbsmax(t, stream), "columns " + where);
      float[] rows = new float[n / k];
      for (int i = 0; i < n; i++) {
        rows[i / k] = Math.max(rows[i / k], Math.abs(x[i]));
      }
      assertArrayEquals(rows, TensorStats.rowAbsmax(t, stream), "rows " + where);
    }
  }

  @Test
  void nonFiniteValuesHaveTheDocumentedResults() {
    float[] x = {1f, -3f, Float.NaN, 2f, Float.POSITIVE_INFINITY, -0.5f};
    try (Context ctx = openContext();
        Tensor t = ctx.upload(x, DType.FP32, Shape.of(2, 3))) {
      assertTrue(Float.isNaN(TensorStats.absmax(t, null)));
      float[] mm = TensorStats.minMax(t, null);
      assertTrue(Float.isNaN(mm[0]) && Float.isNaN(mm[1]));
      float[] rows = TensorStats.rowAbsmax(t, null); // [1, -3, NaN] [2, Inf, -0.5]
      assertTrue(Float.isNaN(rows[0]));
      assertEquals(Float.POSITIVE_INFINITY, rows[1]);
      float[] cols = TensorStats.columnAbsmax(t, null);
      assertArrayEquals(new float[] {2f, Float.POSITIVE_INFINITY, Float.NaN}, cols);
      assertArrayEquals(
          ReferenceStats.histogram(x, 0f, 4f, 4, true), TensorStats.histogram(t, 0f, 4f, 4, true, null));
      assertThrows(OctetException.class, () -> TensorStats.histogram(t, 1f, 1f, 4, true, null));
      assertThrows(OctetException.class, () -> TensorStats.histogram(t, 0f, 1f, 0, true, null));
      assertThrows(OctetException.class, () -> TensorStats.histogram(t, 0f, 1f, 1 << 20, true, null));
      assertThrows(OctetException.class,
          () -> TensorStats.histogram(t, 0f, Float.POSITIVE_INFINITY, 4, true, null));
    }
  }

  @Test
  void observersGiveTheSameScalesFromTensorsAsFromArrays() {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    List<Function<dev.octet.quant.QuantScheme, Observer>> kinds =
        List.of(MinMaxObserver::new, PercentileObserver::new, MseObserver::new, EntropyObserver::new);
    QuantScheme sym = QuantScheme.activations().perTensor().dynamic(false).build();
    QuantScheme asym =
        QuantScheme.activations().perTensor().dynamic(false)
            .asymmetric(QuantScheme.IntRange.UNSIGNED).build();
    try (Context ctx = openContext()) {
      for (QuantScheme scheme : List.of(sym, asym)) {
        for (Function<QuantScheme, Observer> make : kinds) {
          if (make.apply(sym) instanceof EntropyObserver && !scheme.symmetric()) {
            continue;
          }
          Observer host = make.apply(scheme);
          Observer device = make.apply(scheme);
          ChannelAbsMax hostCols = new ChannelAbsMax(96);
          ChannelAbsMax deviceCols = new ChannelAbsMax(96);
          for (int b = 0; b < 6; b++) {
            float[] x = Inputs.gaussian(rng, 96 * (1 + rng.nextInt(50)), Math.pow(2, b) * 0.3);
            x[0] += 1.5f;
            host.observe(x);
            hostCols.observe(x);
            try (Tensor t = ctx.upload(x, DType.FP32, Shape.of(x.length / 96, 96))) {
              device.observe(t);
              deviceCols.observe(t, null);
            }
          }
          assertEquals(host.params(), device.params(), host.name() + " " + scheme + " seed " + seed);
          assertArrayEquals(hostCols.absMax(), deviceCols.absMax());
        }
      }
    }
  }
}
