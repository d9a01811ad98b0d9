package dev.octet;

import dev.octet.internal.Handle;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import dev.octet.reference.Numerics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A dense row-major tensor in a context's memory (host memory on the CPU backend, device memory
 * on CUDA). Owned explicitly: close it (try-with-resources) to free the memory; the garbage
 * collector never does. Use after close throws IllegalStateException.
 */
public final class Tensor implements AutoCloseable {
  private final Context context;
  private final DType dtype;
  private final Shape shape;
  private final Handle handle;

  private Tensor(Context context, DType dtype, Shape shape, MemorySegment pointer, String what) {
    this.context = context;
    this.dtype = dtype;
    this.shape = shape;
    this.handle =
        new Handle(pointer, what, ptr -> Native.check(OctetH.oct_tensor_destroy(ptr), "oct_tensor_destroy"));
  }

  Tensor(Context context, DType dtype, Shape shape) {
    if (dtype == null) {
      throw new IllegalArgumentException("dtype is null");
    }
    if (shape == null) {
      throw new IllegalArgumentException("shape is null");
    }
    this.context = context;
    this.dtype = dtype;
    this.shape = shape;
    MemorySegment p;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment dims = arena.allocateFrom(ValueLayout.JAVA_LONG, shape.dims());
      p =
          Native.outPointer(
              "oct_tensor_create",
              out ->
                  OctetH.oct_tensor_create(
                      context.pointer(), dtype.code(), shape.rank(), dims, out));
    }
    this.handle =
        new Handle(
            p,
            "Tensor(" + dtype + shape + " on " + context + ")",
            ptr -> Native.check(OctetH.oct_tensor_destroy(ptr), "oct_tensor_destroy"));
  }

  public Context context() {
    return context;
  }

  public DType dtype() {
    return dtype;
  }

  public Shape shape() {
    return shape;
  }

  public Backend backend() {
    return context.backend();
  }

  public long numel() {
    return shape.numel();
  }

  public long byteSize() {
    return shape.numel() * dtype.byteSize();
  }

  /**
   * A view of {@code shape.numel()} consecutive elements of this tensor starting at element
   * {@code offset}, with this dtype: no copy. The view keeps the memory alive; close both. Typical
   * use: the first M rows of a workspace.
   */
  public Tensor view(Shape shape, long offset) {
    if (shape == null) {
      throw new IllegalArgumentException("shape is null");
    }
    MemorySegment p;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment dims = arena.allocateFrom(ValueLayout.JAVA_LONG, shape.dims());
      p =
          Native.outPointer(
              "oct_tensor_view",
              out -> OctetH.oct_tensor_view(handle.get(), shape.rank(), dims, offset, out));
    }
    return new Tensor(
        context, dtype, shape, p, "Tensor(" + dtype + shape + " view at " + offset + " of " + this + ")");
  }

  /** A view of rows [0, rows) of this tensor along its first dimension. */
  public Tensor firstRows(long rows) {
    long[] d = shape.dims();
    d[0] = rows;
    return view(Shape.of(d), 0);
  }

  /**
   * The {@code oct_tensor_t}, for calling liboctet's C API directly. IllegalStateException if
   * the tensor is closed.
   */
  public MemorySegment nativeHandle() {
    return handle.get();
  }

  /** Copies {@code byteSize()} bytes from host memory into the tensor (waits for the copy). */
  public void copyFrom(MemorySegment host) {
    copyFrom(host, null);
  }

  /** As {@link #copyFrom(MemorySegment)}, after the work enqueued on {@code stream}. */
  public void copyFrom(MemorySegment host, Stream stream) {
    requireHostSize(host, "host");
    if (!host.isNative()) { // a Java array: liboctet reads native memory only
      try (Arena arena = Arena.ofConfined()) {
        copyFrom(arena.allocate(byteSize(), 64).copyFrom(host), stream);
      }
      return;
    }
    Native.check(
        OctetH.oct_tensor_copy_from_host(
            handle.get(), host, byteSize(), Stream.nativeHandle(stream)),
        "oct_tensor_copy_from_host");
  }

  /** Copies the tensor into host memory of {@code byteSize()} bytes (waits for the copy). */
  public void copyTo(MemorySegment host) {
    copyTo(host, null);
  }

  /** As {@link #copyTo(MemorySegment)}, after the work enqueued on {@code stream}. */
  public void copyTo(MemorySegment host, Stream stream) {
    requireHostSize(host, "host");
    if (!host.isNative()) { // a Java array: liboctet writes native memory only
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment tmp = arena.allocate(byteSize(), 64);
        copyTo(tmp, stream);
        host.copyFrom(tmp);
      }
      return;
    }
    Native.check(
        OctetH.oct_tensor_copy_to_host(handle.get(), host, byteSize(), Stream.nativeHandle(stream)),
        "oct_tensor_copy_to_host");
  }

  private void requireHostSize(MemorySegment host, String name) {
    if (host == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (host.byteSize() != byteSize()) {
      throw new IllegalArgumentException(
          name + " has " + host.byteSize() + " bytes; " + this + " holds " + byteSize());
    }
  }

  /** The raw bytes (any dtype), after the default stream's work. */
  public byte[] toByteArray() {
    byte[] out = new byte[Math.toIntExact(byteSize())];
    copyTo(MemorySegment.ofArray(out));
    return out;
  }

  /** The raw 16-bit patterns of an FP16 or BF16 tensor. */
  public short[] toShortArray() {
    requireDtype(DType.FP16, DType.BF16);
    short[] out = new short[Math.toIntExact(numel())];
    copyTo(MemorySegment.ofArray(out));
    return out;
  }

  /** The values of an INT32 tensor. */
  public int[] toIntArray() {
    requireDtype(DType.INT32);
    int[] out = new int[Math.toIntExact(numel())];
    copyTo(MemorySegment.ofArray(out));
    return out;
  }

  /** The values as floats (exact for every dtype but INT32 beyond 2^24). */
  public float[] toFloatArray() {
    int n = Math.toIntExact(numel());
    float[] out = new float[n];
    switch (dtype) {
      case FP32 -> copyTo(MemorySegment.ofArray(out));
      case FP16 -> {
        short[] s = toShortArray();
        for (int i = 0; i < n; i++) {
          out[i] = Numerics.fp16ToFloat(s[i]);
        }
      }
      case BF16 -> {
        short[] s = toShortArray();
        for (int i = 0; i < n; i++) {
          out[i] = Numerics.bf16ToFloat(s[i]);
        }
      }
      case INT8 -> {
        byte[] b = toByteArray();
        for (int i = 0; i < n; i++) {
          out[i] = b[i];
        }
      }
      case INT32 -> {
        int[] v = toIntArray();
        for (int i = 0; i < n; i++) {
          out[i] = v[i];
        }
      }
    }
    return out;
  }

  private void requireDtype(DType... allowed) {
    for (DType d : allowed) {
      if (d == dtype) {
        return;
      }
    }
    throw new IllegalArgumentException(
        this + ": dtype is " + dtype + "; expected " + java.util.Arrays.toString(allowed));
  }

  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Frees the tensor's memory; idempotent. Synchronise the streams that use it first. */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return handle.toString();
  }
}
