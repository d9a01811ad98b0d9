package dev.octet.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The promotion rule of the reference: past k / 32 outlier columns every column is one. */
class ReferenceLlmInt8Test {
  /** x [m, k] of ones with the first `outliers` columns at 10 (threshold 6). */
  private static float[] x(int m, int k, int outliers) {
    float[] x = new float[m * k];
    for (int i = 0; i < m * k; i++) {
      x[i] = i % k < outliers ? 10f : 1f;
    }
    return x;
  }

  private static ReferenceLlmInt8.Result forward(int m, int k, int outliers) {
    int n = 3;
    float[] w = new float[n * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 7 - 3) * 0.01f;
    }
    return ReferenceLlmInt8.forward(x(m, k, outliers), m, k, ReferenceQuant.quantizePerChannel(w, n, k), null, 6f);
  }

  @Test
  void promotesPastKOver32AndKeepsTheCountOfColumnsOverTheThreshold() {
    int k = 64; // promoteAbove = 2
    ReferenceLlmInt8.Result two = forward(2, k, 2);
    assertFalse(two.promoted());
    assertArrayEquals(new int[] {0, 1}, two.columns());
    ReferenceLlmInt8.Result three = forward(2, k, 3);
    assertTrue(three.promoted());
    assertEquals(3, three.outliers().length);
    assertEquals(k, three.columns().length);
    for (byte q : three.regular().values()) {
      assertEquals(0, q); // the regular part is empty
    }
  }

  @Test
  void everyColumnAnOutlierIsPromotedToo() {
    int k = 16; // promoteAbove = 0: one outlier column already promotes
    ReferenceLlmInt8.Result all = forward(1, k, k);
    assertEquals(k, all.outliers().length);
    assertTrue(all.promoted());
    assertTrue(forward(1, k, 1).promoted());
    assertFalse(forward(1, k, 0).promoted());
  }
}
