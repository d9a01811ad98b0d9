package dev.octet.quant.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.octet.reference.ReferenceStats;
import dev.octet.testing.Inputs;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HistogramTest {
  @Test
  void rebinningIsExactForAbsoluteHistograms() {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    Histogram h = new Histogram(64, true);
    float[][] batches = new float[10][];
    for (int b = 0; b < batches.length; b++) {
      batches[b] = Inputs.gaussian(rng, 500, Math.pow(2.3, b) * 1e-3);
      h.add(batches[b]);
    }
    // The range is the smallest power of two covering every |x|...
    float absmax = 0;
    for (float[] x : batches) {
      absmax = Math.max(absmax, ReferenceStats.absmax(x));
    }
    assertEquals(Histogram.powerOfTwoAtLeast(absmax), h.hi());
    assertEquals(absmax, h.absmax());
    // ...and the counts are those of one pass over everything with that range.
    long[] expected = new long[64];
    for (float[] x : batches) {
      int[] c = ReferenceStats.histogram(x, 0f, h.hi(), 64, true);
      for (int i = 0; i < 64; i++) {
        expected[i] += c[i];
      }
    }
    assertArrayEquals(expected, h.counts(), "seed " + seed);
    assertEquals(5000, h.total());
  }

  @Test
  void signedRebinningKeepsEveryCountInRange() {
    Histogram h = new Histogram(16, false);
    h.add(new float[] {-0.9f, 0.1f, 0.6f}); // R = 1, bins of 1/8 over [-1, 1)
    assertEquals(-1f, h.lo());
    long[] c = h.counts();
    assertEquals(1, c[0]); // -0.9 in [-1, -0.875)
    assertEquals(1, c[8]); // 0.1 in [0, 0.125)
    assertEquals(1, c[12]); // 0.6 in [0.5, 0.625)
    h.add(new float[] {3.5f}); // R = 4: bins of 1/2 over [-4, 4)
    c = h.counts();
    assertEquals(-4f, h.lo());
    assertEquals(1, c[6]); // -0.9 in [-1, -0.5)
    assertEquals(1, c[8]); // 0.1 in [0, 0.5)
    assertEquals(1, c[9]); // 0.6 in [0.5, 1)
    assertEquals(1, c[15]); // 3.5 in [3.5, 4)
    assertEquals(4, h.total());
  }

  @Test
  void quantilesAndEdgeCases() {
    Histogram h = new Histogram(4, true);
    h.add(new float[] {0f, 0f, 0f, 0f}); // all zeros: range 2^-64, everything in bin 0
    assertEquals(0.0, h.quantile(0.999));
    h.add(new float[] {1f, 1f, 1f, 1f}); // range 1; zeros in bin 0, ones clamped into bin 3
    assertEquals(1f, h.hi());
    assertArrayEquals(new long[] {4, 0, 0, 4}, h.counts());
    assertEquals(1.0, h.quantile(1.0));
    assertEquals(0.125, h.quantile(0.25), 1e-12); // halfway through bin 0 ([0, 0.25))
    assertThrows(IllegalArgumentException.class, () -> new Histogram(100, true));
    assertThrows(IllegalArgumentException.class, () -> h.add(new float[] {Float.NaN}));
    assertThrows(IllegalArgumentException.class, () -> h.add(new float[] {Float.MAX_VALUE}));
    assertThrows(IllegalStateException.class, () -> new Histogram(4, true).quantile(0.5));
  }

  @Test
  void referenceHistogramClampsAndSkipsNaN() {
    int[] c =
        ReferenceStats.histogram(
            new float[] {-5f, -0.5f, 0f, 0.25f, 0.999f, 1f, 7f, Float.NaN, Float.POSITIVE_INFINITY},
            0f, 1f, 4, false);
    assertArrayEquals(new int[] {3, 1, 0, 4}, c); // below lo -> bin 0; >= hi and +Inf -> bin 3
    int[] a = ReferenceStats.histogram(new float[] {-0.9f, 0.9f, -0.1f}, 0f, 1f, 2, true);
    assertArrayEquals(new int[] {1, 2}, a);
    assertEquals(Float.NaN, ReferenceStats.absmax(new float[] {1f, Float.NaN}));
    assertArrayEquals(new float[] {-0f, 0f}, ReferenceStats.minMax(new float[] {0f, -0f}));
  }
}
