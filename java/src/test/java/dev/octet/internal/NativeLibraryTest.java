package dev.octet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NativeLibraryTest {
  @Test
  void aMissingConfiguredLibraryIsNamedInTheError() {
    String saved = System.getProperty(NativeLibrary.PROPERTY);
    try {
      System.setProperty(NativeLibrary.PROPERTY, "/nonexistent/dir/liboctet.so");
      IllegalStateException e = assertThrows(IllegalStateException.class, NativeLibrary::locate);
      assertTrue(e.getMessage().contains("/nonexistent/dir/liboctet.so"), e.getMessage());
      assertTrue(e.getMessage().contains(NativeLibrary.PROPERTY), e.getMessage());
    } finally {
      if (saved == null) {
        System.clearProperty(NativeLibrary.PROPERTY);
      } else {
        System.setProperty(NativeLibrary.PROPERTY, saved);
      }
    }
  }

  @Test
  void theLoadedLibraryIsTheConfiguredOne() {
    Path p = NativeLibrary.load();
    String configured = System.getProperty(NativeLibrary.PROPERTY);
    if (configured != null) {
      assertEquals(Path.of(configured).toAbsolutePath().normalize(), p.toAbsolutePath().normalize());
    }
  }

  /** A JVM without --enable-native-access gets a message with the exact flag to add. */
  @Test
  void missingNativeAccessGrantGivesTheExactFlag() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
    String lib = System.getProperty(NativeLibrary.PROPERTY);
    if (lib != null) {
      cmd.add("-D" + NativeLibrary.PROPERTY + "=" + lib);
    }
    cmd.add(NoGrantProbe.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(3, p.exitValue(), out);
    assertTrue(out.contains("--enable-native-access=ALL-UNNAMED"), out);
  }

  /** Run in a child JVM that has no native-access grant. */
  public static final class NoGrantProbe {
    public static void main(String[] args) {
      try {
        NativeLibrary.load();
        System.exit(0);
      } catch (IllegalStateException e) {
        System.out.println(e.getMessage());
        System.exit(3);
      }
    }
  }
}
