package dev.octet.testing;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.reference.Numerics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Fresh random inputs and poisoned outputs for tests. */
public final class Inputs {
  private Inputs() {}

  /** A fresh seed, to be printed in assertion messages so a failure can be replayed. */
  public static long freshSeed() {
    return System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
  }

  /** Standard normal samples times sigma. */
  public static float[] gaussian(SplittableRandom rng, int n, double sigma) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      double u, w, s;
      do {
        u = 2 * rng.nextDouble() - 1;
        w = 2 * rng.nextDouble() - 1;
        s = u * u + w * w;
      } while (s >= 1 || s == 0);
      v[i] = (float) (sigma * u * Math.sqrt(-2 * Math.log(s) / s));
    }
    return v;
  }

  /** The value {@code f} takes once stored as {@code dtype} (FP32, FP16 or BF16). */
  public static float roundTo(DType dtype, float f) {
    return switch (dtype) {
      case FP32 -> f;
      case FP16 -> Numerics.fp16ToFloat(Numerics.floatToFp16(f));
      case BF16 -> Numerics.bf16ToFloat(Numerics.floatToBf16(f));
      default -> throw new IllegalArgumentException(dtype.toString());
    };
  }

  /** An uninitialised tensor filled with the byte 0xA5, which no kernel writes by accident. */
  public static Tensor poisoned(Context ctx, DType dtype, Shape shape) {
    Tensor t = ctx.allocate(dtype, shape);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment host = arena.allocate(t.byteSize());
      host.fill((byte) 0xA5);
      t.copyFrom(host);
    }
    return t;
  }
}
