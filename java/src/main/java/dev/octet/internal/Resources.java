package dev.octet.internal;

/** Closing of optional resources, shared by the layers. */
public final class Resources {
  private Resources() {}

  /** Closes each non-null resource in order; a checked exception comes back unchecked. */
  public static void closeIfPresent(AutoCloseable... resources) {
    for (AutoCloseable c : resources) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
