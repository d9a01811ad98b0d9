package dev.octet.internal;

import dev.octet.OctetException;
import dev.octet.Status;
import dev.octet.internal.ffi.OctetH;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The one place where C status codes become exceptions. Every class that calls the generated
 * bindings ({@link OctetH}) goes through {@link #check} and calls {@link #ensureLoaded} first.
 */
public final class Native {
  static {
    NativeLibrary.load();
  }

  private Native() {}

  /** Loads liboctet (see {@link NativeLibrary}); cheap after the first call. */
  public static void ensureLoaded() {
    // the static initializer did the work
  }

  /**
   * Throws an {@link OctetException} for a non-zero status, with liboctet's message for this
   * thread's last failure.
   */
  public static void check(int status, String function) {
    if (status != 0) {
      MemorySegment msg = OctetH.oct_last_error_message();
      String text = msg.equals(MemorySegment.NULL) ? "" : msg.reinterpret(4096).getString(0);
      throw new OctetException(Status.of(status), function, text);
    }
  }

  /** The {@code oct_tensor_t} of a required tensor argument; IllegalArgumentException naming it if null. */
  public static MemorySegment handle(dev.octet.Tensor t, String name) {
    if (t == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    return t.nativeHandle();
  }

  /** The {@code oct_tensor_t} of an optional tensor argument, NULL for null. */
  public static MemorySegment handleOrNull(dev.octet.Tensor t) {
    return t == null ? MemorySegment.NULL : t.nativeHandle();
  }

  /** Calls a C function that writes one pointer result; returns that pointer. */
  public static MemorySegment outPointer(String function, PointerCall call) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
      check(call.invoke(out), function);
      return out.get(ValueLayout.ADDRESS, 0);
    }
  }

  /** Calls a C function that writes one int32 result; returns that value. */
  public static int outInt(String function, PointerCall call) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
      check(call.invoke(out), function);
      return out.get(ValueLayout.JAVA_INT, 0);
    }
  }

  /** Calls a C function that writes one int64 result; returns that value. */
  public static long outLong(String function, PointerCall call) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
      check(call.invoke(out), function);
      return out.get(ValueLayout.JAVA_LONG, 0);
    }
  }

  /** A C call whose last argument is an out-parameter. */
  @FunctionalInterface
  public interface PointerCall {
    int invoke(MemorySegment out);
  }
}
