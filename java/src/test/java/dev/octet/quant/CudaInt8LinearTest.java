package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Graph;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.testing.Gpu;
import dev.octet.testing.Inputs;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The W8A8 layer on CUDA; a forward captured in a CUDA graph replays to the eager result. */
@Tag("gpu")
class CudaInt8LinearTest extends Int8LinearContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }

  /**
   * The CUDA epilogue computes the same fp32 fma as the reference but may contract or order it
   * differently inside CUTLASS: at most one rounding step of the output apart.
   */
  @Override
  int ulpTolerance() {
    return 1;
  }

  @Test
  void aForwardIsCapturedInAGraph() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int m = 16, n = 4096, k = 4096;
    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor w = ctx.upload(Inputs.gaussian(rng, n * k, 0.02), DType.BF16, Shape.of(n, k));
        Tensor x = ctx.upload(Inputs.gaussian(rng, m * k, 1.0), DType.BF16, Shape.of(m, k));
        Int8Linear layer = Int8Linear.builder(w).build(stream);
        Tensor out = ctx.allocate(DType.BF16, Shape.of(m, n))) {
      layer.forwardInto(x, out, stream); // sizes the workspace: the capture then allocates nothing
      stream.synchronize();
      short[] eager = out.toShortArray();
      out.copyFrom(java.lang.foreign.MemorySegment.ofArray(new short[m * n]));
      stream.beginCapture();
      layer.forwardInto(x, out, stream);
      try (Graph g = stream.endCapture()) {
        g.launch(stream);
        g.launch(stream);
        stream.synchronize();
      }
      assertArrayEquals(eager, out.toShortArray());
    }
  }
}
