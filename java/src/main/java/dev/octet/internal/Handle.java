package dev.octet.internal;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A native handle with an idempotent close: the pointer is released exactly once, and use after
 * close throws IllegalStateException naming the object.
 */
public final class Handle {
  private final AtomicReference<MemorySegment> pointer;
  private final String what;
  private final Consumer<MemorySegment> release;

  public Handle(
      MemorySegment pointer,
      String what,
      Consumer<MemorySegment> release) {
    this.pointer = new AtomicReference<>(pointer);
    this.what = what;
    this.release = release;
  }

  /** The live pointer; IllegalStateException once closed. */
  public MemorySegment get() {
    MemorySegment p = pointer.get();
    if (p == null) {
      throw new IllegalStateException(what + " is closed");
    }
    return p;
  }

  public boolean isClosed() {
    return pointer.get() == null;
  }

  /** Releases the pointer the first time; later calls do nothing. */
  public void close() {
    MemorySegment p = pointer.getAndSet(null);
    if (p != null) {
      release.accept(p);
    }
  }

  @Override
  public String toString() {
    return what;
  }
}
