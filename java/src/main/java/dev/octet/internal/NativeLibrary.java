package dev.octet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads liboctet, once, from the first of:
 *
 * <ol>
 *   <li>the system property {@code octet.library.path} or else the environment variable {@code
 *       OCTET_LIBRARY_PATH}: the library file or the folder holding {@code liboctet.so} (when set,
 *       it must be right: there is no fallback past it);
 *   <li>a CMake build directory, {@code build/native/liboctet.so}, in the working directory or one
 *       of its parents;
 *   <li>the copy packed into the jar ({@code dev/octet/native/linux-x86_64/liboctet.so}).
 * </ol>
 *
 * Native access must be granted to the module that holds Octet; without it this fails with a
 * message that gives the exact flag.
 */
public final class NativeLibrary {
  public static final String PROPERTY = "octet.library.path";
  public static final String ENV = "OCTET_LIBRARY_PATH";
  static final String FILE = "liboctet.so";
  static final String RESOURCE = "/dev/octet/native/linux-x86_64/" + FILE;

  private static volatile Path loadedFrom;

  private NativeLibrary() {}

  /** Loads the library if it is not loaded yet; returns where it was loaded from. */
  public static Path load() {
    Path p = loadedFrom;
    if (p != null) {
      return p;
    }
    synchronized (NativeLibrary.class) {
      if (loadedFrom == null) {
        requireNativeAccess();
        Path lib = locate();
        try {
          System.load(lib.toAbsolutePath().toString());
        } catch (UnsatisfiedLinkError e) {
          throw new IllegalStateException(
              "Octet: cannot load the native library " + lib + ": " + e.getMessage(), e);
        }
        loadedFrom = lib;
      }
      return loadedFrom;
    }
  }

  static void requireNativeAccess() {
    Module m = NativeLibrary.class.getModule();
    if (!m.isNativeAccessEnabled()) {
      String who = m.isNamed() ? m.getName() : "ALL-UNNAMED";
      throw new IllegalStateException(
          "Octet needs native access to call liboctet: add --enable-native-access="
              + who
              + " to the java command line (or Enable-Native-Access: "
              + who
              + " to the manifest of an executable jar)");
    }
  }

  static Path locate() {
    List<String> tried = new ArrayList<>();
    String configured = System.getProperty(PROPERTY);
    String source = "system property " + PROPERTY;
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(ENV);
      source = "environment variable " + ENV;
    }
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (Files.isDirectory(p)) {
        p = p.resolve(FILE);
      }
      if (!Files.isRegularFile(p)) {
        throw new IllegalStateException(
            "Octet: " + source + " is '" + configured + "', but " + p + " does not exist");
      }
      return p;
    }
    tried.add(PROPERTY + " / " + ENV + " (not set)");
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
      Path candidate = dir.resolve("build").resolve("native").resolve(FILE);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      tried.add(candidate.toString());
    }
    try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        Path tmp = Files.createTempFile("liboctet-", ".so");
        tmp.toFile().deleteOnExit();
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        return tmp;
      }
      tried.add("jar resource " + RESOURCE + " (absent)");
    } catch (IOException e) {
      throw new IllegalStateException("Octet: cannot extract " + RESOURCE + ": " + e, e);
    }
    throw new IllegalStateException(
        "Octet: cannot find "
            + FILE
            + " (build it with scripts/build-native.sh, or set -D"
            + PROPERTY
            + "=/path/to/"
            + FILE
            + "). Tried: "
            + String.join("; ", tried));
  }
}
