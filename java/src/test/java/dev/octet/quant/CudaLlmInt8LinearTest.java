package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Graph;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.testing.Gpu;
import dev.octet.testing.Inputs;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * LLM.int8() on CUDA (the outlier part sums on tensor cores, in their order: tolerance only); a
 * forward captured in a CUDA graph replays to the eager result on new activations, with the
 * right device-side outlier count.
 */
@Tag("gpu")
class CudaLlmInt8LinearTest extends LlmInt8LinearContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }

  @Override
  boolean sumsInColumnOrder() {
    return false;
  }

  @Test
  void aForwardIsCapturedInAGraph() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int m = 16, n = 4096, k = 4096;
    float[] x1 = activations(rng, m, k, 8, DType.BF16);
    float[] x2 = activations(rng, m, k, 40, DType.BF16);
    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor w = ctx.upload(Inputs.gaussian(rng, n * k, 0.02), DType.BF16, Shape.of(n, k));
        Tensor x = ctx.upload(x1, DType.BF16, Shape.of(m, k));
        LlmInt8Linear layer = LlmInt8Linear.builder(w).build(stream);
        Tensor out = ctx.allocate(DType.BF16, Shape.of(m, n))) {
      layer.forwardInto(x, out, stream); // sizes the workspace: the capture then allocates nothing
      stream.synchronize();
      short[] eager1 = out.toShortArray();
      x.copyFrom(bitsSegment(x2));
      layer.forwardInto(x, out, stream);
      stream.synchronize();
      short[] eager2 = out.toShortArray();

      x.copyFrom(bitsSegment(x1));
      out.copyFrom(MemorySegment.ofArray(new short[m * n]));
      stream.beginCapture();
      layer.forwardInto(x, out, stream);
      try (Graph g = stream.endCapture()) {
        g.launch(stream);
        stream.synchronize();
        assertArrayEquals(eager1, out.toShortArray());
        assertEquals(8, layer.lastOutlierCount());
        x.copyFrom(bitsSegment(x2));
        g.launch(stream);
        stream.synchronize();
        assertArrayEquals(eager2, out.toShortArray());
        assertEquals(40, layer.lastOutlierCount());
      }
    }
  }

  private static MemorySegment bitsSegment(float[] x) {
    return MemorySegment.ofArray(bits(x, DType.BF16));
  }
}
