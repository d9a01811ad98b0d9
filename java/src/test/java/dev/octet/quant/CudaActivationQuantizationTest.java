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

/** Activation quantization: Java reference vs liboctet's CUDA backend; graph capture. */
@Tag("gpu")
class CudaActivationQuantizationTest extends ActivationQuantizationContract {
  @Override
  Context openContext() {
    Gpu.assumeAvailable();
    return Context.cuda(0);
  }

  /** Every scheme can be captured in a CUDA graph; replays give the eager results. */
  @Test
  void capturedInAGraphAndReplayed() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    Shape shape = Shape.of(64, 4096);
    try (Context ctx = openContext();
        dev.octet.Stream stream = ctx.createStream();
        Tensor x = ctx.upload(Inputs.gaussian(rng, 64 * 4096, 1.0), DType.BF16, shape);
        Tensor xq = ctx.allocate(DType.INT8, shape);
        Tensor tok = ctx.allocate(DType.FP32, Shape.of(64));
        Tensor one = ctx.allocate(DType.FP32, Shape.of(1))) {
      ActivationQuantizer.quantizeInto(x, ActivationScheme.DYNAMIC_PER_TOKEN, null, xq, tok, stream);
      stream.synchronize();
      byte[] eagerTok = xq.toByteArray();
      ActivationQuantizer.quantizeInto(x, ActivationScheme.DYNAMIC_PER_TENSOR, null, xq, one, stream);
      stream.synchronize();
      byte[] eagerTensor = xq.toByteArray();

      stream.beginCapture();
      ActivationQuantizer.quantizeInto(x, ActivationScheme.DYNAMIC_PER_TOKEN, null, xq, tok, stream);
      Graph perToken = stream.endCapture();
      stream.beginCapture();
      ActivationQuantizer.quantizeInto(x, ActivationScheme.DYNAMIC_PER_TENSOR, null, xq, one, stream);
      Graph perTensor = stream.endCapture();
      try (perToken; perTensor) {
        byte[] poison = new byte[64 * 4096];
        java.util.Arrays.fill(poison, (byte) 0xA5);
        xq.copyFrom(java.lang.foreign.MemorySegment.ofArray(poison));
        perToken.launch(stream);
        stream.synchronize();
        assertArrayEquals(eagerTok, xq.toByteArray());
        xq.copyFrom(java.lang.foreign.MemorySegment.ofArray(poison));
        perTensor.launch(stream);
        perTensor.launch(stream); // replays are repeatable (the maximum is reset inside)
        stream.synchronize();
        assertArrayEquals(eagerTensor, xq.toByteArray());
      }
    }
  }
}
