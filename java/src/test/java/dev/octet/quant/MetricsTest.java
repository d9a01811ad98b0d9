package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MetricsTest {
  private final float[] ref = {3, 4, 0, 0};
  private final float[] y = {3, 4, 1, -1};

  @Test
  void matchHandComputedValues() {
    assertEquals(0.5, Metrics.mse(ref, y), 1e-12); // (0 + 0 + 1 + 1) / 4
    assertEquals(1.0, Metrics.maxAbsError(ref, y), 1e-12);
    assertEquals(25 / (5 * Math.sqrt(27)), Metrics.cosineSimilarity(ref, y), 1e-12);
    assertEquals(10 * Math.log10(25 / 2.0), Metrics.sqnrDb(ref, y), 1e-12);
    assertEquals(Double.POSITIVE_INFINITY, Metrics.sqnrDb(ref, ref));
    assertEquals(1.0, Metrics.cosineSimilarity(new float[2], new float[2]));
  }

  @Test
  void outliersAndAccumulationMatchHandComputedValues() {
    assertEquals(2, Metrics.outlierCount(new float[] {3, -4, 0.5f, 2}, 2.5));
    assertEquals(1, Metrics.outlierCount(new float[] {Float.NaN, 1}, 2.5)); // NaN counts
    Metrics.Accumulator a = new Metrics.Accumulator(3.5);
    a.add(new float[] {3, 4}, new float[] {3, 4}).add(new float[] {0, 0}, new float[] {1, -1});
    assertEquals(4, a.count());
    assertEquals(1, a.outliers()); // |4| > 3.5
    assertEquals(Metrics.mse(ref, y), a.mse(), 0);
    assertEquals(Metrics.sqnrDb(ref, y), a.sqnrDb(), 0);
    assertEquals(Metrics.cosineSimilarity(ref, y), a.cosineSimilarity(), 0);
    assertEquals(1.0, a.maxAbsError());
    assertThrows(IllegalStateException.class, () -> new Metrics.Accumulator(1).mse());
  }

  @Test
  void mismatchedLengthsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Metrics.mse(ref, new float[3]));
    assertThrows(IllegalArgumentException.class, () -> Metrics.sqnrDb(new float[0], new float[0]));
  }
}
