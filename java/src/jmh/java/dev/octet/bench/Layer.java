package dev.octet.bench;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Octet;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The operands of one linear layer y[M, N] = x[M, K] W[N, K]^T on one backend, as the native
 * benchmark's {@code percall} rows use them (N = K = 4096): fp16 activations, their int8 copy and
 * per-token scales, an int8 weight with per-channel scales, an fp16 output. Random data.
 *
 * <p>The kernel families that land after this benchmark are reached without compiling against
 * them: their Java API through method handles (constant, so the JIT inlines them as a direct
 * call), their C entry points through downcall handles looked up at run time. A family that is
 * absent makes its benchmarks fail in setup with a message saying so; the others run.
 */
final class Layer implements AutoCloseable {
  static final int N = 4096;
  static final int K = 4096;

  // Java API of the families that land later (null while absent).
  static final MethodHandle INT8_GEMM_RUN; // Int8Gemm.run(a, b, aScale, bScale, bias, out, stream)
  static final MethodHandle W8A16_QUANTIZE; // WeightOnlyLinear.quantize(w, bias, group, stream)
  static final MethodHandle W8A16_FORWARD_INTO; // layer.forwardInto(x, out, stream)
  // Their C entry points (null while absent): int oct_gemm_s8(7 pointers), oct_gemm_w8a16(6).
  static final MethodHandle OCT_GEMM_S8;
  static final MethodHandle OCT_GEMM_W8A16;

  static {
    Octet.version(); // loads liboctet, so that its symbols can be looked up
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    MethodHandle run = null;
    MethodHandle quantize = null;
    MethodHandle forwardInto = null;
    try {
      Class<?> gemm = Class.forName("dev.octet.quant.Int8Gemm");
      run =
          lookup.findStatic(
              gemm,
              "run",
              MethodType.methodType(
                  void.class,
                  Tensor.class,
                  Tensor.class,
                  Tensor.class,
                  Tensor.class,
                  Tensor.class,
                  Tensor.class,
                  Stream.class));
    } catch (ReflectiveOperationException e) {
      // not in this build
    }
    try {
      Class<?> linear = Class.forName("dev.octet.quant.WeightOnlyLinear");
      quantize =
          lookup
              .findStatic(
                  linear,
                  "quantize",
                  MethodType.methodType(
                      linear, Tensor.class, Tensor.class, int.class, Stream.class))
              .asType(
                  MethodType.methodType(
                      Object.class, Tensor.class, Tensor.class, int.class, Stream.class));
      forwardInto =
          lookup
              .findVirtual(
                  linear,
                  "forwardInto",
                  MethodType.methodType(void.class, Tensor.class, Tensor.class, Stream.class))
              .asType(
                  MethodType.methodType(
                      void.class, Object.class, Tensor.class, Tensor.class, Stream.class));
    } catch (ReflectiveOperationException e) {
      // not in this build
    }
    INT8_GEMM_RUN = run;
    W8A16_QUANTIZE = quantize;
    W8A16_FORWARD_INTO = forwardInto;
    OCT_GEMM_S8 = downcall("oct_gemm_s8", 7);
    OCT_GEMM_W8A16 = downcall("oct_gemm_w8a16", 6);
  }

  private static MethodHandle downcall(String name, int pointers) {
    MemoryLayout[] args = new MemoryLayout[pointers];
    Arrays.fill(args, ValueLayout.ADDRESS);
    return SymbolLookup.loaderLookup()
        .find(name)
        .map(
            addr ->
                Linker.nativeLinker()
                    .downcallHandle(addr, FunctionDescriptor.of(ValueLayout.JAVA_INT, args)))
        .orElse(null);
  }

  final Context context;
  final Stream stream;
  final Tensor x; // fp16 [M, K]
  final Tensor xq; // int8 [M, K]
  final Tensor xScale; // fp32 [M]
  final Tensor w; // fp16 [N, K]
  final Tensor q; // int8 [N, K]
  final Tensor wScale; // fp32 [N]
  final Tensor out; // fp16 [M, N]
  private final List<AutoCloseable> owned = new ArrayList<>();

  Layer(String backend, int m) {
    context = "cpu".equals(backend) ? Context.cpu() : Context.cuda(0);
    owned.add(context);
    try {
      stream = own(context.createStream());
      Random rnd = new Random(42);
      x = own(context.upload(uniform(rnd, (long) m * K, -1, 1), DType.FP16, Shape.of(m, K)));
      xq = own(context.upload(int8(rnd, (long) m * K), Shape.of(m, K)));
      xScale = own(context.upload(uniform(rnd, m, 0.5f / 127, 1.5f / 127), DType.FP32, Shape.of(m)));
      w = own(context.upload(uniform(rnd, (long) N * K, -1, 1), DType.FP16, Shape.of(N, K)));
      q = own(context.upload(int8(rnd, (long) N * K), Shape.of(N, K)));
      wScale = own(context.upload(uniform(rnd, N, 0.5f / 127, 1.5f / 127), DType.FP32, Shape.of(N)));
      out = own(context.allocate(DType.FP16, Shape.of(m, N)));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  static MemorySegment handle(Tensor t) {
    return t == null ? MemorySegment.NULL : t.nativeHandle();
  }

  static void requirePresent(Object handle, String what) {
    if (handle == null) {
      throw new IllegalStateException(what + " is not in this build of Octet: benchmark skipped");
    }
  }

  static void check(int status, String function) {
    if (status != 0) {
      throw new IllegalStateException(function + " failed with status " + status);
    }
  }

  private static float[] uniform(Random rnd, long n, float lo, float hi) {
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = lo + (hi - lo) * rnd.nextFloat();
    }
    return v;
  }

  private static byte[] int8(Random rnd, long n) {
    byte[] v = new byte[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (byte) (rnd.nextInt(255) - 127);
    }
    return v;
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    owned.clear();
  }
}
