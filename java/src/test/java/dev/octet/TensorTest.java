package dev.octet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void viewsShareMemoryAndOutliveTheirBase() {
    try (Context ctx = Context.cpu()) {
      Tensor base = ctx.upload(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, DType.FP32, Shape.of(4, 2));
      Tensor rows = base.firstRows(3);
      try (Tensor middle = base.view(Shape.of(2, 2), 2)) {
        assertArrayEquals(new float[] {2, 3, 4, 5}, middle.toFloatArray());
        middle.copyFrom(java.lang.foreign.MemorySegment.ofArray(new float[] {9, 9, 9, 9}));
      }
      base.close();
      assertArrayEquals(new float[] {0, 1, 9, 9, 9, 9}, rows.toFloatArray());
      rows.close();
      try (Tensor small = ctx.allocate(DType.FP32, Shape.of(4))) {
        OctetException e = assertThrows(OctetException.class, () -> small.view(Shape.of(5), 0));
        assertTrue(e.getMessage().contains("'shape'"), e.getMessage());
        OctetException off = assertThrows(OctetException.class, () -> small.view(Shape.of(2), 3));
        assertTrue(off.getMessage().contains("'offset'"), off.getMessage());
      }
    }
  }
}
