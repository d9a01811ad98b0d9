package dev.octet;

import dev.octet.internal.Handle;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import dev.octet.reference.Numerics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A backend (the CPU, or one CUDA device) with its default stream. Tensors and streams are made
 * from a context and work only with objects of the same context. Closing a context while its
 * tensors are open is safe: liboctet keeps it alive until the last of them is closed.
 */
public final class Context implements AutoCloseable {
  static {
    Native.ensureLoaded();
  }

  private final Backend backend;
  private final int device;
  private final Handle handle;

  private Context(Backend backend, int device) {
    this.backend = backend;
    this.device = device;
    MemorySegment p =
        Native.outPointer(
            "oct_context_create", out -> OctetH.oct_context_create(backend.code(), device, out));
    this.handle =
        new Handle(
            p,
            "Context(" + backend + (backend == Backend.CUDA ? ":" + device : "") + ")",
            ptr -> Native.check(OctetH.oct_context_destroy(ptr), "oct_context_destroy"));
  }

  /** The CPU reference backend. */
  public static Context cpu() {
    return new Context(Backend.CPU, 0);
  }

  /** CUDA device {@code device}; OctetException when there is no such device. */
  public static Context cuda(int device) {
    return new Context(Backend.CUDA, device);
  }

  /** The default backend: CUDA device 0 when a GPU is usable, else the CPU. */
  public static Context defaultBackend() {
    return Octet.isCudaAvailable() ? cuda(0) : cpu();
  }

  public Backend backend() {
    return backend;
  }

  public int device() {
    return device;
  }

  /** A new stream on this context. */
  public Stream createStream() {
    return new Stream(this);
  }

  /** An uninitialised tensor. */
  public Tensor allocate(DType dtype, Shape shape) {
    return new Tensor(this, dtype, shape);
  }

  /** A tensor of {@code dtype} (FP32, FP16 or BF16) holding {@code values}, rounded to nearest even. */
  public Tensor upload(float[] values, DType dtype, Shape shape) {
    checkLength(values.length, shape);
    Tensor t = allocate(dtype, shape);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment host = arena.allocate(t.byteSize(), 64);
      switch (dtype) {
        case FP32 -> MemorySegment.copy(values, 0, host, ValueLayout.JAVA_FLOAT, 0, values.length);
        case FP16 -> {
          for (int i = 0; i < values.length; i++) {
            host.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToFp16(values[i]));
          }
        }
        case BF16 -> {
          for (int i = 0; i < values.length; i++) {
            host.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToBf16(values[i]));
          }
        }
        default -> throw new IllegalArgumentException(
            "upload(float[]): dtype is " + dtype + "; expected FP32, FP16 or BF16");
      }
      t.copyFrom(host);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /** An INT8 tensor holding {@code values}. */
  public Tensor upload(byte[] values, Shape shape) {
    checkLength(values.length, shape);
    Tensor t = allocate(DType.INT8, shape);
    try {
      t.copyFrom(MemorySegment.ofArray(values));
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private static void checkLength(int length, Shape shape) {
    if (shape == null) {
      throw new IllegalArgumentException("shape is null");
    }
    if (length != shape.numel()) {
      throw new IllegalArgumentException(
          "values has " + length + " elements; shape " + shape + " needs " + shape.numel());
    }
  }

  MemorySegment pointer() {
    return handle.get();
  }

  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Releases this context; idempotent. */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return handle.toString();
  }
}
