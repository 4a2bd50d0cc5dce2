package io.dago.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the Redis programs the fixtures run: on the PATH first, then where Debian and a source build put them. */
final class RedisPrograms {
  private RedisPrograms() {}

  /** @param name {@code redis-server} or {@code redis-cli} */
  static Path find(String name) {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        if (!entry.isEmpty()) {
          candidates.add(Path.of(entry, name));
        }
      }
    }
    candidates.add(Path.of("/usr/bin", name));
    candidates.add(Path.of("/usr/local/bin", name));
    return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new IllegalStateException(
        name + " is not on the PATH, in /usr/bin or in /usr/local/bin; the Redis tests run a real Redis:"
            + " install the Debian package redis-server (apt-get install redis-server), which brings redis-cli"));
  }
}
