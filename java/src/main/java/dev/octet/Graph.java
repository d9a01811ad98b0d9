package dev.octet;

import dev.octet.internal.Handle;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import java.lang.foreign.MemorySegment;

/**
 * Work recorded from a CUDA stream ({@link Stream#beginCapture()} ... {@link Stream#endCapture()})
 * that replays with one launch: the way to run a layer's or a model's forward with no per-kernel
 * launch cost. The tensors it uses must stay open while it is used.
 */
public final class Graph implements AutoCloseable {
  private final Handle handle;

  Graph(MemorySegment pointer, String what) {
    this.handle =
        new Handle(pointer, what, p -> Native.check(OctetH.oct_graph_destroy(p), "oct_graph_destroy"));
  }

  /** Enqueues one replay on {@code stream} (null: the context's default stream). */
  public void launch(Stream stream) {
    Native.check(OctetH.oct_graph_launch(handle.get(), Stream.nativeHandle(stream)), "oct_graph_launch");
  }

  public boolean isClosed() {
    return handle.isClosed();
  }

  @Override
  public void close() {
    handle.close();
  }
}
