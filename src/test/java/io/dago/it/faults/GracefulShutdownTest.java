package io.dago.it.faults;

import static io.dago.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.testing.Await;
import io.dago.testing.DagoProcess;
import io.dago.testing.RedisServer;
import io.dago.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM stops an instance the way a rolling deploy needs: it takes no new node, lets the nodes it is running finish
 * and stores their outcomes, exits within its grace period, and leaves the nodes it never started in Redis for the
 * next instance, which runs each of them exactly once without waiting for a claim timeout. And an instance that cannot
 * reach Redis at start-up says so in one line and exits.
 */
class GracefulShutdownTest {
  private static final int GRACE_SECONDS = 10;
  private static final int WORKERS_OF_A = 2;

  private static Map<String, String> instance(RedisServer redis, String id, int workers) {
    return instance(redis, id, workers, Duration.ofMillis(1500));
  }

  private static Map<String, String> instance(RedisServer redis, String id, int workers, Duration latency) {
    return Map.of("REDIS_ADDR", redis.addr(), "LLM_PROVIDER", "echo",
        "LLM_ECHO_LATENCY_MS", Long.toString(latency.toMillis()),
        "WORKER_POOL_SIZE", Integer.toString(workers), "DAGO_INSTANCE_ID", id,
        "DAGO_SHUTDOWN_GRACE_SECONDS", Integer.toString(GRACE_SECONDS),
        // Short, so that a task a left behind unacknowledged would be taken over (and seen) within the test.
        "DAGO_CLAIM_IDLE_MS", "3000");
  }

  @Test
  void sigtermLetsRunningNodesFinishAndLeavesTheRestToTheNextInstance() throws Exception {
    try (RedisServer redis = RedisServer.builder().start();
        DagoProcess a = DagoProcess.start(instance(redis, "a", WORKERS_OF_A))) {
      TestClient clientA = new TestClient(a.httpPort());
      String id = GraphChecks.submit(clientA, GraphDocs.wide("wide", 8));
      // Only a runs so far: the nodes the log shows running are a's.
      await("every worker of a running a node", Duration.ofSeconds(10),
          () -> GraphChecks.eventLog(clientA, id).running().size() == WORKERS_OF_A, a::log);
      List<String> runningOnA = GraphChecks.eventLog(clientA, id).running();
      // b starts while a drains, as in a rolling deploy; until then nobody else takes a's graph.
      CompletableFuture<DagoProcess> startingB =
          CompletableFuture.supplyAsync(() -> DagoProcess.start(instance(redis, "b", 4)));
      try {
        long signalled = System.nanoTime();
        int exitCode = a.terminate(Duration.ofSeconds(GRACE_SECONDS));
        long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);

        assertTrue(Set.of(0, 143).contains(exitCode), "exit code " + exitCode + "; log of a:\n" + a.log());
        assertTrue(a.log().contains("SIGTERM: stopping intake") && a.log().contains("stopped"), a.log());
        try (DagoProcess b = startingB.join()) {
          TestClient clientB = new TestClient(b.httpPort());
          Await.Context logs = () -> "--- log of a ---\n" + a.log() + "--- log of b ---\n" + b.log();
          EventLog afterA = GraphChecks.eventLog(clientB, id);
          assertTrue(afterA.completed().containsAll(runningOnA), "a stopped without storing the outcomes of "
              + runningOnA + "; events:\n" + afterA.render() + logs.describe());

          Map<String, Map<String, Object>> finished =
              GraphChecks.awaitFinished(clientB, List.of(id), Duration.ofSeconds(30), logs);

          GraphChecks.assertAllCompleted(finished, logs);
          GraphChecks.eventLog(clientB, id).assertCompletedCleanly(EventLog.Starts.ONCE);
          assertTrue(b.log().lines().noneMatch(line -> line.contains("took over a task")),
              "a left tasks behind unacknowledged, b took them over:\n" + logs.describe());
          System.out.printf("[graceful shutdown] a exited with %d %d ms after SIGTERM, having finished %s%n",
              exitCode, stopMillis, runningOnA);
        }
      } finally {
        startingB.thenAccept(DagoProcess::close);
      }
    }
  }

  /**
   * Nodes that outlast the grace period do not hold the stop up: the instance exits once the grace has passed. Their
   * tasks are handed back as it stops (docs/DEPLOYMENT.md, "Graceful shutdown"), so another instance runs them again
   * as new attempts without waiting for {@code DAGO_CLAIM_IDLE_MS}, here 12 s: its reclaimer looks every 6 s.
   */
  @Test
  void sigtermWaitsNoLongerThanTheGraceAndHandsBackNodesThatOutlastIt() throws Exception {
    int grace = 2;
    Duration claimIdle = Duration.ofSeconds(12);
    try (RedisServer redis = RedisServer.builder().start()) {
      Map<String, String> slowA = new HashMap<>(instance(redis, "a", WORKERS_OF_A, Duration.ofSeconds(30)));
      slowA.put("DAGO_SHUTDOWN_GRACE_SECONDS", Integer.toString(grace));
      slowA.put("DAGO_CLAIM_IDLE_MS", Long.toString(claimIdle.toMillis()));
      Map<String, String> quickB = new HashMap<>(instance(redis, "b", 4, Duration.ofMillis(200)));
      quickB.put("DAGO_CLAIM_IDLE_MS", Long.toString(claimIdle.toMillis()));
      try (DagoProcess a = DagoProcess.start(slowA)) {
        TestClient clientA = new TestClient(a.httpPort());
        String id = GraphChecks.submit(clientA, GraphDocs.wide("slow", WORKERS_OF_A));
        await("every worker of a running a node", Duration.ofSeconds(10),
            () -> GraphChecks.eventLog(clientA, id).running().size() == WORKERS_OF_A, a::log);
        CompletableFuture<DagoProcess> startingB = CompletableFuture.supplyAsync(() -> DagoProcess.start(quickB));
        try {
          long signalled = System.nanoTime();
          int exitCode = a.terminate(Duration.ofSeconds(grace + 5));
          Instant exited = Instant.now();
          long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);

          assertTrue(Set.of(0, 143).contains(exitCode), "exit code " + exitCode + "; log of a:\n" + a.log());
          // The grace, plus what the JVM takes to start the hook and to exit after it.
          assertTrue(stopMillis < TimeUnit.SECONDS.toMillis(grace + 3), "a took " + stopMillis
              + " ms to stop with a grace of " + grace + " s; log of a:\n" + a.log());
          try (DagoProcess b = startingB.join()) {
            TestClient clientB = new TestClient(b.httpPort());
            Await.Context logs = () -> "--- log of a ---\n" + a.log() + "--- log of b ---\n" + b.log();
            Map<String, Map<String, Object>> finished =
                GraphChecks.awaitFinished(clientB, List.of(id), Duration.ofSeconds(25), logs);
            GraphChecks.assertAllCompleted(finished, logs);
            EventLog log = GraphChecks.eventLog(clientB, id);
            log.assertCompletedCleanly(EventLog.Starts.AGAIN_AFTER_A_CRASH);
            assertTrue(log.restartedNodes() == WORKERS_OF_A, "the nodes a abandoned should have run again on b; "
                + "events:\n" + log.render() + logs.describe());
            Duration afterExit = Duration.between(exited, GraphChecks.lastFinish(finished));
            assertTrue(afterExit.compareTo(claimIdle.minusSeconds(3)) < 0, "the graph finished " + afterExit.toMillis()
                + " ms after a exited: its abandoned tasks waited out the claim timeout (" + claimIdle.toSeconds()
                + " s) instead of being handed back; events:\n" + log.render() + logs.describe());
            System.out.printf("[graceful shutdown, grace %d s] a exited with %d %d ms after SIGTERM; b ran its "
                    + "%d abandoned nodes again, graph finished %d ms after a exited%n", grace, exitCode, stopMillis,
                log.restartedNodes(), afterExit.toMillis());
          }
        } finally {
          startingB.thenAccept(DagoProcess::close);
        }
      }
    }
  }

  @Test
  void startingWithRedisUnreachableFailsWithOneLineAndNoStackTrace() throws Exception {
    int port = freePort();
    ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.dago.Main");
    Map<String, String> env = builder.environment();
    String path = env.get("PATH");
    env.clear();
    env.putAll(Map.of("PATH", path, "REDIS_ADDR", "127.0.0.1:" + port, "LLM_PROVIDER", "echo",
        "DAGO_BIND", "127.0.0.1", "DAGO_HTTP_PORT", "0", "DAGO_GRPC_PORT", "0", "DAGO_WS_PORT", "0"));
    Process dago = builder.start();
    try {
      CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> readAll(dago.getInputStream()));
      CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(dago.getErrorStream()));
      assertTrue(dago.waitFor(30, TimeUnit.SECONDS), "dago still running 30 s after starting without Redis");
      String out = stdout.join();
      String err = stderr.join();
      String output = "--- stdout ---\n" + out + "--- stderr ---\n" + err;

      assertNotEquals(0, dago.exitValue(), output);
      assertTrue(err.contains("Redis connection refused at 127.0.0.1:" + port
          + ": is Redis running and REDIS_ADDR correct?"), output);
      assertTrue(!out.contains("\tat ") && !err.contains("\tat "), "a stack trace was printed:\n" + output);
      assertTrue(!out.contains("dago started"), output);
    } finally {
      dago.destroyForcibly();
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A loopback port with nothing listening on it (now). */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
