package dev.octet.tools;

import dev.octet.DType;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fp16 baseline of the main job: cuBLAS's {@code cublasGemmEx} (fp16/bf16 in and out, fp32
 * accumulation), called through the FFM API when a cuBLAS library is found on the machine
 * ($OCTET_CUBLAS, then the usual CUDA locations). cuBLAS is not part of liboctet: this is only
 * the yardstick that users would otherwise pick.
 */
final class CublasBaseline implements AutoCloseable {
  private static final int OP_N = 0;
  private static final int OP_T = 1;
  private static final int R_16F = 2;
  private static final int R_16BF = 14;
  private static final int COMPUTE_32F = 68;
  private static final int GEMM_DEFAULT = -1;

  private final Arena arena = Arena.ofShared();
  private final MethodHandle gemmEx;
  private final MethodHandle destroy;
  private final MemorySegment handle;
  private final MemorySegment one;
  private final MemorySegment zero;
  final String library;

  private CublasBaseline(Path lib, Stream stream) throws Throwable {
    Linker linker = Linker.nativeLinker();
    SymbolLookup cublas = SymbolLookup.libraryLookup(lib, arena);
    MethodHandle create =
        linker.downcallHandle(
            cublas.findOrThrow("cublasCreate_v2"), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    MethodHandle setStream =
        linker.downcallHandle(
            cublas.findOrThrow("cublasSetStream_v2"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    destroy =
        linker.downcallHandle(
            cublas.findOrThrow("cublasDestroy_v2"), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    ValueLayout.OfInt i = ValueLayout.JAVA_INT;
    ValueLayout p = ValueLayout.ADDRESS;
    gemmEx =
        linker.downcallHandle(
            cublas.findOrThrow("cublasGemmEx"),
            FunctionDescriptor.of(i, p, i, i, i, i, i, p, p, i, i, p, i, i, p, p, i, i, i, i));
    MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
    check((int) create.invokeExact(out), "cublasCreate_v2");
    handle = out.get(ValueLayout.ADDRESS, 0);
    MemorySegment cudaStream = arena.allocate(ValueLayout.ADDRESS);
    Native.check(OctetH.oct_stream_get_native(Stream.nativeHandle(stream), cudaStream), "oct_stream_get_native");
    check((int) setStream.invokeExact(handle, cudaStream.get(ValueLayout.ADDRESS, 0)), "cublasSetStream_v2");
    one = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
    zero = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
    library = lib.toString();
  }

  /** cuBLAS on {@code stream}, or empty (with the reason printed) when none can be loaded. */
  static Optional<CublasBaseline> open(Stream stream) {
    for (Path p : candidates()) {
      if (Files.isRegularFile(p)) {
        try {
          return Optional.of(new CublasBaseline(p, stream));
        } catch (Throwable t) {
          System.out.println("cuBLAS at " + p + " unusable: " + t.getMessage());
        }
      }
    }
    return Optional.empty();
  }

  private static List<Path> candidates() {
    List<Path> c = new ArrayList<>();
    String env = System.getenv("OCTET_CUBLAS");
    if (env != null && !env.isBlank()) {
      c.add(Path.of(env));
    }
    for (String dir :
        new String[] {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu"}) {
      for (String name : new String[] {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}) {
        c.add(Path.of(dir, name));
      }
    }
    return c;
  }

  /** y [M, N] = x [M, K] · w [N, K]^T, all of one dtype (FP16 or BF16), fp32 accumulation. */
  void linear(Tensor x, Tensor w, Tensor y) {
    int m = (int) x.shape().dim(0);
    int k = (int) x.shape().dim(1);
    int n = (int) w.shape().dim(0);
    int type = x.dtype() == DType.BF16 ? R_16BF : R_16F;
    try {
      check(
          (int)
              gemmEx.invokeExact(
                  handle, OP_T, OP_N, n, m, k, one, data(w), type, k, data(x), type, k, zero, data(y),
                  type, n, COMPUTE_32F, GEMM_DEFAULT),
          "cublasGemmEx");
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static MemorySegment data(Tensor t) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment desc = dev.octet.internal.ffi.oct_tensor_desc.allocate(a);
      Native.check(OctetH.oct_tensor_describe(t.nativeHandle(), desc), "oct_tensor_describe");
      return dev.octet.internal.ffi.oct_tensor_desc.data(desc);
    }
  }

  private static void check(int status, String what) {
    if (status != 0) {
      throw new IllegalStateException(what + " returned cuBLAS status " + status);
    }
  }

  @Override
  public void close() {
    try {
      int ignored = (int) destroy.invokeExact(handle);
    } catch (Throwable t) {
      // closing: nothing to report to
    }
    arena.close();
  }
}
