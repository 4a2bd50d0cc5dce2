package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code promtool check metrics}, the Prometheus project's own linter for the exposition format, on a scrape.
 * A machine without promtool fails the test rather than skipping it: {@code .ci/run} installs Debian's
 * {@code prometheus} package, which provides it.
 */
final class Promtool {
  private Promtool() {}

  /** @param output what promtool printed, stdout and stderr together; empty when it found nothing to say */
  record Result(int exitCode, String output) {}

  static Result checkMetrics(String exposition) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    } catch (IOException e) {
      return fail("promtool is not installed, so the scrape cannot be checked: install Debian's 'prometheus' "
          + "package (apt-get install prometheus) or run .ci/run, which does (" + e.getMessage() + ")");
    }
    try (OutputStream in = process.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return fail("promtool check metrics did not finish within 30 s");
    }
    return new Result(process.exitValue(), output);
  }
}
