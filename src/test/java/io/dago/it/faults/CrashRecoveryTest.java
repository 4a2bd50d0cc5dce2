package io.dago.it.faults;

import static io.dago.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.testing.Await;
import io.dago.testing.DagoProcess;
import io.dago.testing.RedisServer;
import io.dago.testing.TestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.StreamPendingSummary;

/**
 * An instance killed with SIGKILL in the middle of its nodes loses no graph: the tasks it held stay pending in the
 * Redis consumer group, and once they have been idle for {@code DAGO_CLAIM_IDLE_MS} another instance (or the same
 * one restarted under its instance id) takes them over and runs the cut-off nodes again as new attempts. Every graph
 * completes, each node exactly once, and nothing starts before its parents completed or after it completed itself.
 */
class CrashRecoveryTest {
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);
  private static final String QUEUE = "dago:{s0}:q";

  private static Map<String, String> instance(RedisServer redis, String id) {
    return instance(redis, id, Duration.ofSeconds(2));
  }

  private static Map<String, String> instance(RedisServer redis, String id, Duration claimIdle) {
    return Map.of("REDIS_ADDR", redis.addr(), "LLM_PROVIDER", "echo", "LLM_ECHO_LATENCY_MS", "300",
        "WORKER_POOL_SIZE", "4", "DAGO_INSTANCE_ID", id, "DAGO_CLAIM_IDLE_MS", Long.toString(claimIdle.toMillis()));
  }

  /** Ten chains of four and ten diamonds: 80 nodes, some seconds of work for a few workers. */
  private static List<String> submitMix(TestClient client) throws Exception {
    return submitMix(client, 10);
  }

  /** {@code pairs} chains of four and as many diamonds. */
  private static List<String> submitMix(TestClient client, int pairs) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      ids.add(GraphChecks.submit(client, GraphDocs.chain("chain-" + i, 4)));
      ids.add(GraphChecks.submit(client, GraphDocs.diamond("diamond-" + i)));
    }
    return ids;
  }

  /** Entries the instance took from the queue and never acknowledged. */
  private static long pendingOf(RedisServer redis, String consumer) {
    try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
      StreamPendingSummary pending = jedis.xpending(QUEUE, "dago");
      Map<String, Long> byConsumer = pending.getConsumerMessageCount();
      return byConsumer == null ? 0 : byConsumer.getOrDefault(consumer, 0L);
    }
  }

  /** Tasks the instance took over from a silent worker, or took back as its own after a restart. */
  private static long takeOvers(DagoProcess dago) {
    long tookOver = dago.log().lines().filter(line -> line.contains("took over a task of a silent worker")).count();
    Matcher tookBack = Pattern.compile("took back (\\d+) tasks this instance held").matcher(dago.log());
    long own = 0;
    while (tookBack.find()) {
      own += Long.parseLong(tookBack.group(1));
    }
    return tookOver + own;
  }

  @Test
  void aSurvivingInstanceFinishesEveryGraphOfAnInstanceKilledMidNode() throws Exception {
    try (RedisServer redis = RedisServer.builder().start()) {
      List<DagoProcess> started = Processes.startAll(List.of(instance(redis, "a"), instance(redis, "b")));
      try (DagoProcess a = started.get(0); DagoProcess b = started.get(1)) {
        TestClient clientA = new TestClient(a.httpPort());
        TestClient clientB = new TestClient(b.httpPort());
        Await.Context logs = () -> "--- log of a ---\n" + a.log() + "--- log of b ---\n" + b.log();

        List<String> ids = submitMix(clientA);
        await("a running nodes", Duration.ofSeconds(10), () -> GraphChecks.busyWorkers(clientA) > 0, logs);
        a.kill9();
        Instant killed = Instant.now();
        long abandoned = pendingOf(redis, "a");

        Map<String, Map<String, Object>> finished =
            GraphChecks.awaitFinished(clientB, ids, RECOVERY_TIMEOUT, logs);

        GraphChecks.assertAllCompleted(finished, logs);
        long restarted = 0;
        for (String id : ids) {
          EventLog log = GraphChecks.eventLog(clientB, id);
          log.assertCompletedCleanly(EventLog.Starts.AGAIN_AFTER_A_CRASH);
          restarted += log.restartedNodes();
        }
        assertTrue(abandoned > 0, "a held no task when it was killed: the test proved nothing\n" + logs.describe());
        assertTrue(takeOvers(b) >= abandoned, "a left " + abandoned + " tasks pending but b took over "
            + takeOvers(b) + "\n" + logs.describe());
        System.out.printf("[crash recovery, survivor] %d graphs; a killed holding %d tasks; b took over %d, "
                + "%d nodes ran again; last graph finished %d ms after the kill%n", ids.size(), abandoned,
            takeOvers(b), restarted, Duration.between(killed, GraphChecks.lastFinish(finished)).toMillis());
      }
    }
  }

  @Test
  void anInstanceRestartedUnderItsIdFinishesTheGraphsItWasKilledIn() throws Exception {
    try (RedisServer redis = RedisServer.builder().start()) {
      List<String> ids;
      Instant killed;
      long abandoned;
      String firstLog;
      try (DagoProcess a = DagoProcess.start(instance(redis, "a"))) {
        TestClient client = new TestClient(a.httpPort());
        ids = submitMix(client);
        await("a running nodes", Duration.ofSeconds(10), () -> GraphChecks.busyWorkers(client) > 0, a::log);
        a.kill9();
        killed = Instant.now();
        abandoned = pendingOf(redis, "a");
        firstLog = a.log();
      }
      try (DagoProcess again = DagoProcess.start(instance(redis, "a"))) {
        TestClient client = new TestClient(again.httpPort());
        Await.Context logs = () -> "--- log of a before the kill ---\n" + firstLog
            + "--- log of a restarted ---\n" + again.log();

        Map<String, Map<String, Object>> finished =
            GraphChecks.awaitFinished(client, ids, RECOVERY_TIMEOUT, logs);

        GraphChecks.assertAllCompleted(finished, logs);
        long restarted = 0;
        for (String id : ids) {
          EventLog log = GraphChecks.eventLog(client, id);
          log.assertCompletedCleanly(EventLog.Starts.AGAIN_AFTER_A_CRASH);
          restarted += log.restartedNodes();
        }
        assertTrue(abandoned > 0, "a held no task when it was killed: the test proved nothing\n" + logs.describe());
        assertTrue(takeOvers(again) >= abandoned, "a left " + abandoned + " tasks pending but took over "
            + takeOvers(again) + " once restarted\n" + logs.describe());
        System.out.printf("[crash recovery, restart] %d graphs; a killed holding %d tasks; restarted a took over "
                + "%d, %d nodes ran again; last graph finished %d ms after the kill%n", ids.size(), abandoned,
            takeOvers(again), restarted, Duration.between(killed, GraphChecks.lastFinish(finished)).toMillis());
      }
    }
  }

  /**
   * docs/DEPLOYMENT.md: "an instance restarted with the same id finds the tasks it held at once". With a claim
   * timeout far longer than the restart, the restarted instance must take its own pending tasks back without
   * waiting for that timeout.
   */
  @Test
  void anInstanceRestartedUnderItsIdTakesBackItsOwnTasksWithoutWaitingForTheClaimTimeout() throws Exception {
    Duration claimIdle = Duration.ofSeconds(20);
    try (RedisServer redis = RedisServer.builder().start()) {
      List<String> ids;
      long abandoned;
      String firstLog;
      try (DagoProcess a = DagoProcess.start(instance(redis, "a", claimIdle))) {
        TestClient client = new TestClient(a.httpPort());
        ids = submitMix(client, 4);
        await("a running nodes", Duration.ofSeconds(10), () -> GraphChecks.busyWorkers(client) > 0, a::log);
        a.kill9();
        abandoned = pendingOf(redis, "a");
        firstLog = a.log();
      }
      assertTrue(abandoned > 0, "a held no task when it was killed: the test proved nothing\n" + firstLog);
      try (DagoProcess again = DagoProcess.start(instance(redis, "a", claimIdle))) {
        TestClient client = new TestClient(again.httpPort());
        Await.Context logs = () -> "--- log of a before the kill ---\n" + firstLog
            + "--- log of a restarted ---\n" + again.log() + "--- pending of a now: " + pendingOf(redis, "a");

        Duration tookBack = await("the restarted a took back the " + abandoned + " tasks it held",
            Duration.ofSeconds(5), () -> takeOvers(again) >= abandoned, logs);

        GraphChecks.assertAllCompleted(GraphChecks.awaitFinished(client, ids, RECOVERY_TIMEOUT, logs), logs);
        for (String id : ids) {
          GraphChecks.eventLog(client, id).assertCompletedCleanly(EventLog.Starts.AGAIN_AFTER_A_CRASH);
        }
        System.out.printf("[crash recovery, restart, claim idle %d s] took back %d tasks %d ms after start%n",
            claimIdle.toSeconds(), abandoned, tookBack.toMillis());
      }
    }
  }
}
