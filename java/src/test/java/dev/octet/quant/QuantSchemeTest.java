package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.quant.QuantScheme.Granularity;
import dev.octet.quant.QuantScheme.IntRange;
import dev.octet.quant.QuantScheme.Params;
import org.junit.jupiter.api.Test;

class QuantSchemeTest {
  private final QuantScheme sym = QuantScheme.activations().perTensor().dynamic(false).build();
  private final QuantScheme signed =
      QuantScheme.activations().perTensor().dynamic(false).asymmetric(IntRange.SIGNED).build();
  private final QuantScheme unsigned =
      QuantScheme.activations().perTensor().dynamic(false).asymmetric(IntRange.UNSIGNED).build();

  @Test
  void defaultsAreTheW8A8Schemes() {
    QuantScheme w = QuantScheme.weights().build();
    assertEquals(Granularity.PER_CHANNEL, w.granularity());
    assertTrue(w.symmetric() && !w.dynamic());
    assertEquals(-127, w.qmin());
    assertEquals(127, w.qmax());
    QuantScheme a = QuantScheme.activations().build();
    assertEquals(Granularity.PER_TOKEN, a.granularity());
    assertTrue(a.symmetric() && a.dynamic());
    assertEquals(64, QuantScheme.weights().perGroup(64).build().groupSize());
    assertEquals(a, a.toBuilder().build());
  }

  @Test
  void nonsenseIsRejected() {
    assertThrows(IllegalArgumentException.class, // asymmetric weights
        () -> QuantScheme.weights().asymmetric(IntRange.SIGNED).build());
    assertThrows(IllegalArgumentException.class, () -> QuantScheme.weights().perToken().build());
    assertThrows(IllegalArgumentException.class, () -> QuantScheme.weights().dynamic(true).build());
    assertThrows(IllegalArgumentException.class, () -> QuantScheme.weights().perGroup(0).build());
    assertThrows(IllegalArgumentException.class, // static per-token activations
        () -> QuantScheme.activations().dynamic(false).build());
    assertThrows(IllegalArgumentException.class, () -> QuantScheme.activations().perGroup(32).build());
    assertThrows(IllegalArgumentException.class, // symmetric with an asymmetric range
        () -> new QuantScheme(QuantScheme.Role.ACTIVATIONS, 8, true, Granularity.PER_TOKEN, 0,
            QuantScheme.Rounding.HALF_EVEN, IntRange.UNSIGNED, true));
    assertThrows(IllegalArgumentException.class, // asymmetric with [-127, 127]
        () -> new QuantScheme(QuantScheme.Role.ACTIVATIONS, 8, false, Granularity.PER_TOKEN, 0,
            QuantScheme.Rounding.HALF_EVEN, IntRange.SYMMETRIC, true));
    assertThrows(IllegalArgumentException.class, // 4 bits
        () -> new QuantScheme(QuantScheme.Role.WEIGHTS, 4, true, Granularity.PER_CHANNEL, 0,
            QuantScheme.Rounding.HALF_EVEN, IntRange.SYMMETRIC, false));
    assertThrows(IllegalArgumentException.class, () -> sym.params(1f, -1f));
    assertThrows(IllegalArgumentException.class, () -> sym.params(Float.NaN, 1f));
  }

  @Test
  void symmetricParamsMatchHandComputedValues() {
    assertEquals(new Params(2.54f / 127f, 0), sym.params(-2.54f, 1f));
    assertEquals(new Params(1f, 0), sym.params(0f, 0f)); // all zeros: scale 1
    Params p = sym.params(-127f, 127f); // scale 1
    assertEquals(0, sym.quantize(0.5f, p)); // half to even
    assertEquals(2, sym.quantize(1.5f, p));
    assertEquals(-2, sym.quantize(-2.5f, p));
    assertEquals(127, sym.quantize(1000f, p));
    assertEquals(-127, sym.quantize(-1000f, p));
    assertEquals(-5f, sym.dequantize(-5, p));
  }

  @Test
  void asymmetricParamsMatchHandComputedValues() {
    // [-1, 3] onto [-128, 127]: scale 4 / 255, zero point -128 - round(-1 / (4/255)) = -128 + 64
    Params p = signed.params(-1f, 3f);
    assertEquals(4f / 255f, p.scale());
    assertEquals(-128 + 64, p.zeroPoint());
    assertEquals(-64, signed.quantize(0f, p)); // 0 maps to the zero point exactly
    assertEquals(0f, signed.dequantize(p.zeroPoint(), p));
    assertEquals(-128, signed.quantize(-1f, p));
    assertEquals(127, signed.quantize(3f, p));
    // [0, 255]: a range of positives only widens to include 0
    Params u = unsigned.params(2f, 5.1f);
    assertEquals(5.1f / 255f, u.scale());
    assertEquals(0, u.zeroPoint());
    assertEquals(255, unsigned.quantize(5.1f, u));
    Params neg = unsigned.params(-5.1f, -2f); // negatives only: zero point at the top
    assertEquals(255, neg.zeroPoint());
    assertEquals(0, unsigned.quantize(-5.1f, neg));
    assertEquals(new Params(1f, 0), unsigned.params(0f, 0f));
    // every code of the range dequantizes within the observed range widened by half a step
    Params r = signed.params(-0.3f, 7.7f);
    for (int q = -128; q <= 127; q++) {
      float x = signed.dequantize(q, r);
      assertTrue(x >= -0.3f - r.scale() && x <= 7.7f + r.scale(), "code " + q + " -> " + x);
      assertEquals(q, signed.quantize(x, r));
    }
  }
}
