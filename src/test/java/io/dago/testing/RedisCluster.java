package io.dago.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three masters and no replicas on loopback, each a {@link RedisServer} of its own, for tests
 * of cluster mode: keys spread over the nodes by hash slot, so that whatever one graph touches must share a hash
 * tag. The slots are assigned by {@code redis-cli --cluster create}, as an operator would.
 *
 * <p>A node stopped or killed through {@link #nodes()} keeps its {@code nodes.conf}, so {@link RedisServer#start()}
 * brings it back into the cluster with its slots. Meanwhile the other nodes report {@code cluster_state:fail}, a few
 * seconds after the node went (its node timeout is 2 s; there are no replicas to take over), and {@code ok} again
 * a few seconds after it is back.
 *
 * <pre>{@code
 * try (RedisCluster cluster = RedisCluster.start()) {
 *   ... REDIS_CLUSTER=true, REDIS_ADDR=cluster.seeds() ...
 * }
 * }</pre>
 */
public final class RedisCluster implements AutoCloseable {
  private static final int MASTERS = 3;
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

  private final List<RedisServer> nodes;

  private RedisCluster(List<RedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts a cluster without a password; returns once every node says {@code cluster_state:ok}. */
  public static RedisCluster start() {
    return start(null);
  }

  /** Starts a cluster whose nodes all require {@code password} (null: none). */
  public static RedisCluster start(String password) {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < MASTERS; i++) {
        nodes.add(RedisServer.builder().password(password).cluster().start());
      }
      create(nodes, password);
      awaitStateOk(nodes, password);
      return new RedisCluster(nodes);
    } catch (RuntimeException e) {
      try {
        closeAll(nodes);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The nodes, each a master with about a third of the slots. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** {@code 127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3}, the form {@code REDIS_ADDR} takes in cluster mode. */
  public String seeds() {
    return nodes.stream().map(RedisServer::addr).collect(Collectors.joining(","));
  }

  /** Stops every node and deletes their directories. */
  @Override
  public void close() {
    closeAll(nodes);
  }

  /** Closes every node even when one fails to close; throws the first failure. */
  private static void closeAll(List<RedisServer> nodes) {
    RuntimeException first = null;
    for (RedisServer node : nodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static void create(List<RedisServer> nodes, String password) {
    List<String> command = new ArrayList<>(List.of(RedisPrograms.find("redis-cli").toString(), "--cluster", "create"));
    nodes.forEach(node -> command.add(node.addr()));
    command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    Path output = nodes.get(0).dir().resolve("cluster-create.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    if (password != null) {
      // Rather than -a, which redis-cli warns about and which would show the password in the process list.
      builder.environment().put("REDISCLI_AUTH", password);
    }
    try {
      Process cli = builder.start();
      if (!cli.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        cli.destroyForcibly();
        throw new IllegalStateException("redis-cli --cluster create did not finish within "
            + CREATE_TIMEOUT.toSeconds() + " s:\n" + Files.readString(output, StandardCharsets.UTF_8));
      }
      if (cli.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create exited with code " + cli.exitValue() + ":\n"
            + Files.readString(output, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the cluster", e);
    }
  }

  /** redis-cli returns once the nodes agree on the configuration; each node's own view may still lag behind. */
  private static void awaitStateOk(List<RedisServer> nodes, String password) {
    long deadline = System.nanoTime() + CONVERGE_TIMEOUT.toNanos();
    for (RedisServer node : nodes) {
      String info = null;
      while (true) {
        try {
          info = RespClient.call(node.port(), password, Duration.ofSeconds(1), "CLUSTER", "INFO");
        } catch (IOException e) {
          info = e.getMessage();
        }
        if (info != null && info.contains("cluster_state:ok")) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cluster node " + node.addr() + " did not reach cluster_state:ok within "
              + CONVERGE_TIMEOUT.toSeconds() + " s; CLUSTER INFO:\n" + info);
        }
        RedisServer.pause(POLL_INTERVAL);
      }
    }
  }
}
