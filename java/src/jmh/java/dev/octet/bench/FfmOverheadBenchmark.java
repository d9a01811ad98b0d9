package dev.octet.bench;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.ffi.OctetH;
import dev.octet.internal.ffi.oct_tensor_desc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of crossing into liboctet from Java for calls that do no GPU work: the floor under
 * every per-call overhead. Compare with the native benchmark's {@code percall/tensor_describe} and
 * {@code percall/stream_synchronize} rows (same calls, from C++).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class FfmOverheadBenchmark {
  /** cuda (the GPU host) or cpu (a smoke test where there is no GPU). */
  @Param({"cuda"})
  public String backend;

  private Context context;
  private Stream stream;
  private Tensor tensor;
  private MemorySegment tensorHandle;
  private MemorySegment streamHandle;
  private Arena arena;
  private MemorySegment desc;

  @Setup(Level.Trial)
  public void setUp() {
    context = "cpu".equals(backend) ? Context.cpu() : Context.cuda(0);
    stream = context.createStream();
    tensor = context.allocate(DType.FP16, Shape.of(1, Layer.K));
    tensorHandle = tensor.nativeHandle();
    streamHandle = Stream.nativeHandle(stream);
    arena = Arena.ofConfined();
    desc = arena.allocate(oct_tensor_desc.layout());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
    tensor.close();
    stream.close();
    context.close();
  }

  /** oct_tensor_describe through the generated binding: one FFM downcall, no GPU work. */
  @Benchmark
  public int tensorDescribeFfm() {
    return OctetH.oct_tensor_describe(tensorHandle, desc);
  }

  /** Tensor.nativeHandle() (the handle check every API call makes) plus the same downcall. */
  @Benchmark
  public int tensorDescribeViaHandle() {
    return OctetH.oct_tensor_describe(tensor.nativeHandle(), desc);
  }

  /** Stream.synchronize() on an idle stream: the Java API's status check + cudaStreamSynchronize. */
  @Benchmark
  public void streamSynchronizeApi() {
    stream.synchronize();
  }

  /** The same through the generated binding. */
  @Benchmark
  public int streamSynchronizeFfm() {
    return OctetH.oct_stream_synchronize(streamHandle);
  }
}
