package dev.octet.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The project's shared directory (models, data): the system property octet.shared.dir, else the
 * environment variable OCTET_SHARED_DIR, else ../shared relative to the working directory; the
 * first that names an existing directory.
 */
final class SharedDir {
  private SharedDir() {}

  static Optional<Path> find() {
    String[] candidates = {
      System.getProperty("octet.shared.dir"), System.getenv("OCTET_SHARED_DIR"), "../shared"
    };
    for (String c : candidates) {
      if (c != null && !c.isBlank() && Files.isDirectory(Path.of(c))) {
        return Optional.of(Path.of(c));
      }
    }
    return Optional.empty();
  }
}
