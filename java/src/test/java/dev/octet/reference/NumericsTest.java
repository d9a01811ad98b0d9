package dev.octet.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NumericsTest {
  @Test
  void bf16RoundTripsEveryPatternAndRoundsHalfToEven() {
    for (int b = 0; b < 0x10000; b++) {
      float f = Numerics.bf16ToFloat((short) b);
      if (!Float.isNaN(f)) {
        assertEquals((short) b, Numerics.floatToBf16(f));
      } else {
        assertTrue(Float.isNaN(Numerics.bf16ToFloat(Numerics.floatToBf16(f))));
      }
    }
    assertEquals((short) 0x3f80, Numerics.floatToBf16(1f + 1f / 256)); // tie -> even (down)
    assertEquals((short) 0x3f82, Numerics.floatToBf16(1f + 3f / 256)); // tie -> even (up)
  }

  @Test
  void quantizeRoundsHalfToEvenAndSaturates() {
    assertEquals(0, Numerics.quantize(0.5f, 1f));
    assertEquals(2, Numerics.quantize(1.5f, 1f));
    assertEquals(-2, Numerics.quantize(-2.5f, 1f));
    assertEquals(127, Numerics.quantize(1000f, 1f));
    assertEquals(-127, Numerics.quantize(-1000f, 1f));
    assertEquals(1f, Numerics.scaleFromAbsmax(0f));
    assertEquals(1f, Numerics.scaleFromAbsmax(Float.MIN_VALUE)); // underflows to 0
    assertEquals(1f / 127f * 2f, Numerics.scaleFromAbsmax(2f / 127f * 127f / 127f * 127f), 1e-9f);
  }
}
