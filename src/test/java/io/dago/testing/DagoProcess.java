package io.dago.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dago in a JVM of its own, started as {@code io.dago.Main} from the test classpath, for what cannot happen inside
 * the test JVM: {@code kill -9}, SIGTERM, several instances sharing one Redis.
 *
 * <pre>{@code
 * try (DagoProcess dago = DagoProcess.start(Map.of("REDIS_ADDR", redis.addr()))) {
 *   ... dago.baseUri() ...
 *   dago.kill9();
 * }
 * }</pre>
 *
 * <p>The environment is the caller's map on top of loopback defaults ({@code DAGO_BIND=127.0.0.1}, every port 0),
 * and nothing else of the test JVM's but {@code PATH}, {@code HOME}, {@code TMPDIR}, {@code LANG} and {@code TZ}:
 * a developer's {@code LLM_API_KEY} or {@code REDIS_ADDR} must never leak into a test instance.
 *
 * <p>The ports are read from the start-up line ({@code dago started: HTTP on HOST:PORT, gRPC on HOST:PORT,
 * WebSocket on HOST:PORT, ...}). The whole output (stdout and stderr) is kept for failure messages.
 */
public final class DagoProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** Longer than dago's default shutdown grace of 30 s, so that a slow but orderly shutdown is not cut short. */
  private static final Duration TERMINATE_TIMEOUT = Duration.ofSeconds(45);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern STARTED = Pattern.compile(
      "dago started: HTTP on \\S*:(\\d+), gRPC on \\S*:(\\d+), WebSocket on \\S*:(\\d+)");
  private static final List<String> INHERITED = List.of("PATH", "HOME", "TMPDIR", "LANG", "TZ");
  private static final Map<String, String> LOOPBACK = Map.of(
      "DAGO_BIND", "127.0.0.1", "DAGO_HTTP_PORT", "0", "DAGO_GRPC_PORT", "0", "DAGO_WS_PORT", "0");

  private final Process process;
  private final Thread reader;
  private final Object lock = new Object();
  private final StringBuilder log = new StringBuilder(); // guarded by lock
  private boolean outputEnded; // guarded by lock
  private int httpPort;
  private int grpcPort;
  private int wsPort;

  private DagoProcess(Process process) {
    this.process = process;
    this.reader = Thread.ofPlatform().daemon().name("dago-process-" + process.pid() + "-output")
        .start(this::readOutput);
  }

  /**
   * Starts dago and returns once it has logged that it started.
   *
   * @param environment variables for dago; they win over the loopback defaults
   * @throws IllegalStateException with dago's whole log when it exits first or is silent for 30 s
   */
  public static DagoProcess start(Map<String, String> environment) {
    String java = ProcessHandle.current().info().command()
        .orElseThrow(() -> new IllegalStateException("cannot tell which java runs the tests"));
    ProcessBuilder builder = new ProcessBuilder(java,
        // What the jar's manifest grants (Netty's native transport); dago runs from the classpath here.
        "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), "io.dago.Main")
        .redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    Map<String, String> inherited = new HashMap<>(env);
    env.clear();
    INHERITED.stream().filter(inherited::containsKey).forEach(name -> env.put(name, inherited.get(name)));
    env.putAll(LOOPBACK);
    env.putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + java, e);
    }
    ChildProcesses.track(process);
    DagoProcess dago = new DagoProcess(process);
    try {
      dago.readPorts(dago.waitForLog("dago started: ", START_TIMEOUT));
      return dago;
    } catch (RuntimeException e) {
      dago.kill9();
      throw e;
    }
  }

  private void readPorts(String line) {
    Matcher matcher = STARTED.matcher(line);
    if (!matcher.find()) {
      throw new IllegalStateException("cannot read the ports from dago's start-up line: " + line);
    }
    httpPort = Integer.parseInt(matcher.group(1));
    grpcPort = Integer.parseInt(matcher.group(2));
    wsPort = Integer.parseInt(matcher.group(3));
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (lock) {
          log.append(line).append('\n');
          lock.notifyAll();
        }
      }
    } catch (IOException e) {
      // The pipe broke because the process is gone: the same as the end of its output.
    } finally {
      synchronized (lock) {
        outputEnded = true;
        lock.notifyAll();
      }
    }
  }

  public int httpPort() {
    return httpPort;
  }

  public int grpcPort() {
    return grpcPort;
  }

  public int wsPort() {
    return wsPort;
  }

  /** {@code http://127.0.0.1:PORT}, the HTTP API. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + httpPort);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything dago has printed so far. */
  public String log() {
    synchronized (lock) {
      return log.toString();
    }
  }

  /**
   * Waits until a line containing {@code fragment} has been logged (already logged counts).
   *
   * @return the first such line
   * @throws IllegalStateException with the whole log when dago's output ends first or the time runs out
   */
  public String waitForLog(String fragment, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        int at = log.indexOf(fragment);
        if (at >= 0) {
          int start = log.lastIndexOf("\n", at) + 1;
          int end = log.indexOf("\n", at);
          return log.substring(start, end < 0 ? log.length() : end);
        }
        if (outputEnded) {
          throw new IllegalStateException("dago (pid " + process.pid() + ") ended with exit code " + exitCodeText()
              + " before logging '" + fragment + "'; its log:\n" + log);
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new IllegalStateException("dago (pid " + process.pid() + ") did not log '" + fragment
              + "' within " + timeout.toMillis() + " ms; its log:\n" + log);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted waiting for dago to log '" + fragment + "'", e);
        }
      }
    }
  }

  /** Kills dago with SIGKILL: no shutdown hook runs, nothing is flushed. Returns once the process is gone. */
  public void kill9() {
    // Signals go through the ProcessHandle: Process.destroy() and destroyForcibly() also close our end of the
    // pipe, and the lines dago writes while it stops would be lost.
    process.toHandle().destroyForcibly();
    awaitExit(KILL_TIMEOUT, "SIGKILL");
  }

  /** Sends SIGTERM, as {@code docker stop} and Kubernetes do, and waits up to 45 s for dago to exit. */
  public int terminate() {
    return terminate(TERMINATE_TIMEOUT);
  }

  /**
   * Sends SIGTERM and waits for dago to exit.
   *
   * @return the exit code: 143 (128 + SIGTERM) for a JVM that ran its shutdown hooks on SIGTERM and did not
   *     call {@code System.exit} itself
   * @throws IllegalStateException with the log when dago is still running after {@code timeout} (it is then
   *     killed)
   */
  public int terminate(Duration timeout) {
    process.toHandle().destroy();
    if (!waitFor(timeout)) {
      kill9();
      throw new IllegalStateException("dago (pid " + process.pid() + ") did not exit within "
          + timeout.toSeconds() + " s of SIGTERM (killed it); its log:\n" + log());
    }
    finishReading();
    return process.exitValue();
  }

  /**
   * Kills dago if it is still running. A test that wants an orderly stop calls {@link #terminate()} first; this
   * must be quick and certain.
   */
  @Override
  public void close() {
    if (process.isAlive()) {
      kill9();
    }
    ChildProcesses.forget(process);
  }

  private void awaitExit(Duration timeout, String signal) {
    if (!waitFor(timeout)) {
      throw new IllegalStateException("dago (pid " + process.pid() + ") survived " + signal + " for "
          + timeout.toSeconds() + " s");
    }
    finishReading();
  }

  private boolean waitFor(Duration timeout) {
    try {
      boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (exited) {
        ChildProcesses.forget(process);
      }
      return exited;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for dago (pid " + process.pid() + ") to exit", e);
    }
  }

  /** Once the process has exited, its last lines may still be in the pipe: let the reader take them. */
  private void finishReading() {
    try {
      reader.join(KILL_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String exitCodeText() {
    try {
      return process.waitFor(1, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "(still running)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(unknown)";
    }
  }
}
