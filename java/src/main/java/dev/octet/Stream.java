package dev.octet;

import dev.octet.internal.Handle;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import java.lang.foreign.MemorySegment;

/**
 * An ordered queue of work on a context (a CUDA stream on a GPU; on the CPU, work runs as it is
 * issued). Operations take a stream, or null for the context's default stream.
 */
public final class Stream implements AutoCloseable {
  private final Context context;
  private final Handle handle;

  Stream(Context context) {
    this.context = context;
    MemorySegment p =
        Native.outPointer(
            "oct_stream_create", out -> OctetH.oct_stream_create(context.pointer(), out));
    this.handle =
        new Handle(
            p,
            "Stream of " + context,
            ptr -> Native.check(OctetH.oct_stream_destroy(ptr), "oct_stream_destroy"));
  }

  public Context context() {
    return context;
  }

  /** Waits until the work enqueued so far has finished. */
  public void synchronize() {
    Native.check(OctetH.oct_stream_synchronize(handle.get()), "oct_stream_synchronize");
  }

  /**
   * Starts recording this stream's work into a graph instead of running it (CUDA only; the
   * operations issued until {@link #endCapture()} are recorded, host copies are not allowed).
   */
  public void beginCapture() {
    Native.check(OctetH.oct_stream_begin_capture(handle.get()), "oct_stream_begin_capture");
  }

  /** Ends the capture and returns the recorded work as a graph. */
  public Graph endCapture() {
    MemorySegment g =
        Native.outPointer(
            "oct_stream_end_capture", out -> OctetH.oct_stream_end_capture(handle.get(), out));
    return new Graph(g, "Graph of " + context);
  }

  /**
   * The {@code oct_stream_t} of {@code stream}, or NULL (the context's default stream) for null:
   * for calling liboctet's C API directly. IllegalStateException if the stream is closed.
   */
  public static MemorySegment nativeHandle(Stream stream) {
    return stream == null ? MemorySegment.NULL : stream.handle.get();
  }

  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Waits for the stream's work, then destroys it; idempotent. */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return handle.toString();
  }
}
