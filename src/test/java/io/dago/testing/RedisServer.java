package io.dago.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} child process on a free loopback port, in a temporary directory of its own, for
 * tests that stop, restart, kill or fill Redis. Such tests must never touch the machine's shared Redis on 6379.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.builder().password("s3cret").appendOnly(Fsync.ALWAYS).start()) {
 *   ... REDIS_ADDR=redis.addr(), REDIS_PASS=redis.password() ...
 *   redis.stop();    // SHUTDOWN: the append-only file is flushed, the process has exited
 *   redis.start();   // the same port and directory; the data is replayed from the append-only file
 *   redis.kill();    // SIGKILL
 * }
 * }</pre>
 *
 * <p>Persistence is the append-only file or nothing: RDB snapshots are off, so without {@link Builder#appendOnly}
 * a restart starts empty, and with it what survives a kill depends only on the fsync policy ({@link Fsync}).
 *
 * <p>Not thread-safe: one test drives it. The log (stdout of every run, appended) is {@code redis.log} in
 * {@link #dir()}, and failures quote its tail.
 */
public final class RedisServer implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  /** Redis Cluster nodes talk to each other on their client port plus this. */
  static final int CLUSTER_BUS_OFFSET = 10_000;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(10);
  private static final int LOG_TAIL_LINES = 40;

  /** When the append-only file is fsynced: what a {@link #kill()} may lose. */
  public enum Fsync {
    /** Once a second: a kill may lose up to the last second of writes. Redis's default. */
    EVERYSEC,
    /** Before every write is acknowledged: an acknowledged write survives a kill. */
    ALWAYS
  }

  private final Path redisServer;
  private final Path dir;
  private final Path log;
  private final int port;
  private final String password;
  private Process process;

  private RedisServer(Path redisServer, Path dir, int port, String password) {
    this.redisServer = redisServer;
    this.dir = dir;
    this.log = dir.resolve("redis.log");
    this.port = port;
    this.password = password;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options; every one is off unless set. */
  public static final class Builder {
    private String password;
    private Fsync fsync;
    private String maxmemory;
    private boolean cluster;

    private Builder() {}

    /** Clients must AUTH with this ({@code requirepass}). */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** Turns the append-only file on, fsynced as given, so that data survives {@link #stop()} and restart. */
    public Builder appendOnly(Fsync fsync) {
      this.fsync = fsync;
      return this;
    }

    /** A memory limit such as {@code "2mb"}; past it writes fail with an OOM error ({@code noeviction}). */
    public Builder maxmemory(String size) {
      this.maxmemory = size;
      return this;
    }

    /** A Redis Cluster node with no slots yet; {@link RedisCluster} joins and assigns them. */
    Builder cluster() {
      this.cluster = true;
      return this;
    }

    /** Creates the directory, picks a free port and starts Redis; returns once it answers PING. */
    public RedisServer start() {
      Path binary = RedisPrograms.find("redis-server");
      Path dir;
      try {
        dir = Files.createTempDirectory("dago-redis-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a directory for redis-server", e);
      }
      RedisServer server = new RedisServer(binary, dir, freePort(cluster), password);
      try {
        server.writeConfiguration(configuration(server));
        server.start();
        return server;
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
    }

    private String configuration(RedisServer server) {
      StringBuilder conf = new StringBuilder()
          .append("port ").append(server.port).append('\n')
          .append("bind ").append(HOST).append('\n')
          .append("dir ").append(quoted(server.dir.toString())).append('\n')
          .append("daemonize no\n")
          // Logs to stdout, which start() appends to redis.log: the file then also holds what Redis prints
          // before it has read this configuration.
          .append("logfile \"\"\n")
          .append("save \"\"\n");
      if (fsync == null) {
        conf.append("appendonly no\n");
      } else {
        conf.append("appendonly yes\n")
            .append("appendfsync ").append(fsync.name().toLowerCase(Locale.ROOT)).append('\n');
      }
      if (password != null) {
        conf.append("requirepass ").append(quoted(password)).append('\n');
      }
      if (maxmemory != null) {
        conf.append("maxmemory ").append(maxmemory).append('\n').append("maxmemory-policy noeviction\n");
      }
      if (cluster) {
        // A short node timeout so that tests which stop a node see the cluster notice it quickly.
        conf.append("cluster-enabled yes\n")
            .append("cluster-config-file nodes.conf\n")
            .append("cluster-node-timeout 2000\n");
      }
      return conf.toString();
    }
  }

  private void writeConfiguration(String configuration) {
    try {
      Files.writeString(dir.resolve("redis.conf"), configuration);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("redis.conf"), e);
    }
  }

  public String host() {
    return HOST;
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}, the form {@code REDIS_ADDR} takes. */
  public String addr() {
    return HOST + ":" + port;
  }

  /** The password clients must give, or null. */
  public String password() {
    return password;
  }

  /** The working directory: configuration, log, append-only files and, for a cluster node, nodes.conf. */
  public Path dir() {
    return dir;
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts Redis on this server's port and directory, as after {@link #stop()} or {@link #kill()}, and returns once
   * it answers PING: with the append-only file on, once it has replayed the data.
   *
   * @throws IllegalStateException with the tail of the log when Redis exits or stays silent for 10 s
   */
  public void start() {
    if (isRunning()) {
      throw new IllegalStateException("redis-server on " + addr() + " is already running");
    }
    try {
      process = new ProcessBuilder(redisServer.toString(), dir.resolve("redis.conf").toString())
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + redisServer, e);
    }
    ChildProcesses.track(process);
    awaitPong();
  }

  private void awaitPong() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw failure("exited with code " + process.exitValue() + " before answering PING", last);
      }
      try {
        // While it replays the append-only file Redis answers -LOADING, an error: keep polling.
        if ("PONG".equals(RespClient.call(port, password, Duration.ofSeconds(1), "PING"))) {
          return;
        }
      } catch (IOException e) {
        last = e;
      }
      pause(POLL_INTERVAL);
    }
    kill();
    throw failure("did not answer PING within " + START_TIMEOUT.toSeconds() + " s", last);
  }

  /**
   * Stops Redis cleanly with SHUTDOWN, which flushes and fsyncs the append-only file, and waits for the process to
   * exit. Does nothing when Redis is not running.
   */
  public void stop() {
    if (!isRunning()) {
      return;
    }
    IOException refused = null;
    try {
      String reply = RespClient.call(port, password, STOP_TIMEOUT, "SHUTDOWN");
      if (reply != null) {
        refused = new IOException("SHUTDOWN answered '" + reply + "' instead of closing the connection");
      }
    } catch (IOException e) {
      // Also how a connection reset by the exiting server shows; the exit below decides.
      refused = e;
    }
    if (!awaitExit(STOP_TIMEOUT)) {
      kill();
      throw failure("did not exit within " + STOP_TIMEOUT.toSeconds() + " s of SHUTDOWN (killed it)", refused);
    }
    ChildProcesses.forget(process);
  }

  /** Kills Redis with SIGKILL, as a crash or the OOM killer would, and waits for the process to be gone. */
  public void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    if (!awaitExit(STOP_TIMEOUT)) {
      throw failure("survived SIGKILL for " + STOP_TIMEOUT.toSeconds() + " s", null);
    }
    ChildProcesses.forget(process);
  }

  /** Stops Redis (kills it if it will not stop) and deletes its directory. */
  @Override
  public void close() {
    try {
      stop();
    } catch (RuntimeException e) {
      kill();
    } finally {
      deleteDirectory();
    }
  }

  /** Everything Redis printed, over every run. */
  public String log() {
    try {
      return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private IllegalStateException failure(String what, Exception cause) {
    List<String> lines = log().lines().toList();
    String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    return new IllegalStateException("redis-server on " + addr() + " (directory " + dir + ") " + what
        + (cause == null ? "" : "; last error: " + cause.getMessage())
        + "\n--- last lines of redis.log ---\n" + tail, cause);
  }

  private boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for redis-server on " + addr() + " to exit", e);
    }
  }

  private void deleteDirectory() {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** Sleeps between two polls; the fixtures poll for a condition rather than sleep for a guessed time. */
  static void pause(Duration interval) {
    try {
      Thread.sleep(interval);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Redis", e);
    }
  }

  /**
   * A loopback port free now; for a cluster node its bus port (+10000) must be free too. Another process could
   * take it before Redis binds it, which is unlikely enough for tests; Redis then fails to start and says so.
   */
  private static int freePort(boolean withBusPort) {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = bindable(0);
      if (!withBusPort || port + CLUSTER_BUS_OFFSET <= 65_535 && bindable(port + CLUSTER_BUS_OFFSET) > 0) {
        return port;
      }
    }
    throw new IllegalStateException("found no free loopback port" + (withBusPort ? " with a free bus port" : "")
        + " in 100 tries");
  }

  /** Binds the port (0: any) for a moment and returns it, or -1 when it is taken. */
  private static int bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      if (port == 0) {
        throw new UncheckedIOException("cannot bind any loopback port", e);
      }
      return -1;
    }
  }

  /** A value in redis.conf's double quotes, where backslash escapes. */
  private static String quoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
