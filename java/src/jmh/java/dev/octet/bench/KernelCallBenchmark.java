package dev.octet.bench;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.ffi.OctetH;
import dev.octet.quant.ActivationQuantizer;
import dev.octet.quant.ActivationScheme;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Octet's kernels called from Java on a 4096 x 4096 layer: {@value #CALLS} calls in a tight loop
 * on one stream, then one synchronize; the score is the time per call. At M = 1 the difference
 * to the native benchmark's {@code percall} rows (the same loop in C++) is the per-call overhead
 * of the Java layer (target: under 2 us); at M >= 128 the ratio is the end-to-end cost (target:
 * within 5%). Each kernel is measured through the Java API ({@code ...Api}) and through a bare
 * FFM downcall ({@code ...Ffm}), which separates the API's checks from the FFM transition.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class KernelCallBenchmark {
  static final int CALLS = 1000; // as the native percall loop
  private static final int PER_TOKEN = ActivationScheme.DYNAMIC_PER_TOKEN.code();

  @Param({"1", "128", "1024"})
  public int m;

  /** cuda (the GPU host) or cpu (a smoke test where there is no GPU). */
  @Param({"cuda"})
  public String backend;

  private Layer layer;
  private Object w8a16Layer; // WeightOnlyLinear, per channel, when that family is built
  private MemorySegment x;
  private MemorySegment xq;
  private MemorySegment xScale;
  private MemorySegment q;
  private MemorySegment wScale;
  private MemorySegment out;
  private MemorySegment stream;

  @Setup(Level.Trial)
  public void setUp() throws Throwable {
    layer = new Layer(backend, m);
    x = layer.x.nativeHandle();
    xq = layer.xq.nativeHandle();
    xScale = layer.xScale.nativeHandle();
    q = layer.q.nativeHandle();
    wScale = layer.wScale.nativeHandle();
    out = layer.out.nativeHandle();
    stream = Stream.nativeHandle(layer.stream);
    if (Layer.W8A16_QUANTIZE != null) {
      w8a16Layer = Layer.W8A16_QUANTIZE.invoke(layer.w, (Tensor) null, 0, layer.stream);
      layer.own((AutoCloseable) w8a16Layer);
    }
    layer.stream.synchronize();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    layer.stream.synchronize();
    layer.close();
  }

  // ------------------------------------------------ activation quantization (in main)

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void quantizeActivationsApi() {
    for (int i = 0; i < CALLS; i++) {
      ActivationQuantizer.quantizeInto(
          layer.x, ActivationScheme.DYNAMIC_PER_TOKEN, null, layer.xq, layer.xScale, layer.stream);
    }
    layer.stream.synchronize();
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void quantizeActivationsFfm() {
    for (int i = 0; i < CALLS; i++) {
      Layer.check(
          OctetH.oct_quantize_activations(x, PER_TOKEN, MemorySegment.NULL, xq, xScale, stream),
          "oct_quantize_activations");
    }
    Layer.check(OctetH.oct_stream_synchronize(stream), "oct_stream_synchronize");
  }

  // ------------------------------------------------ int8 GEMM, fp16 out (oct_gemm_s8)

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void gemmS8Api() throws Throwable {
    Layer.requirePresent(Layer.INT8_GEMM_RUN, "Int8Gemm");
    for (int i = 0; i < CALLS; i++) {
      Layer.INT8_GEMM_RUN.invokeExact(
          layer.xq, layer.q, layer.xScale, layer.wScale, (Tensor) null, layer.out, layer.stream);
    }
    layer.stream.synchronize();
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void gemmS8Ffm() throws Throwable {
    Layer.requirePresent(Layer.OCT_GEMM_S8, "oct_gemm_s8");
    for (int i = 0; i < CALLS; i++) {
      Layer.check(
          (int) Layer.OCT_GEMM_S8.invokeExact(xq, q, xScale, wScale, MemorySegment.NULL, out, stream),
          "oct_gemm_s8");
    }
    Layer.check(OctetH.oct_stream_synchronize(stream), "oct_stream_synchronize");
  }

  // ------------------------------------------------ the full W8A8 path: quantize + GEMM

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void w8a8Api() throws Throwable {
    Layer.requirePresent(Layer.INT8_GEMM_RUN, "Int8Gemm");
    for (int i = 0; i < CALLS; i++) {
      ActivationQuantizer.quantizeInto(
          layer.x, ActivationScheme.DYNAMIC_PER_TOKEN, null, layer.xq, layer.xScale, layer.stream);
      Layer.INT8_GEMM_RUN.invokeExact(
          layer.xq, layer.q, layer.xScale, layer.wScale, (Tensor) null, layer.out, layer.stream);
    }
    layer.stream.synchronize();
  }

  // ------------------------------------------------ W8A16, per channel (oct_gemm_w8a16)

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void w8a16Api() throws Throwable {
    Layer.requirePresent(w8a16Layer, "WeightOnlyLinear");
    for (int i = 0; i < CALLS; i++) {
      Layer.W8A16_FORWARD_INTO.invokeExact(w8a16Layer, layer.x, layer.out, layer.stream);
    }
    layer.stream.synchronize();
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void w8a16Ffm() throws Throwable {
    Layer.requirePresent(Layer.OCT_GEMM_W8A16, "oct_gemm_w8a16");
    for (int i = 0; i < CALLS; i++) {
      Layer.check(
          (int) Layer.OCT_GEMM_W8A16.invokeExact(x, q, wScale, MemorySegment.NULL, out, stream),
          "oct_gemm_w8a16");
    }
    Layer.check(OctetH.oct_stream_synchronize(stream), "oct_stream_synchronize");
  }
}
