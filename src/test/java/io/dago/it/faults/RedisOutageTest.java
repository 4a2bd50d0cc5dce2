package io.dago.it.faults;

import static io.dago.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.testing.Await;
import io.dago.testing.RedisServer;
import io.dago.testing.RedisServer.Fsync;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped for 10 s and started again with its append-only file: dago keeps running. Meanwhile it says it is
 * down ({@code /health} 503) and refuses new graphs with 503 {@code unavailable} (and none of those refused appears
 * later); the nodes that were running hold their outcomes until Redis is back, and every graph accepted before the
 * outage completes, each node exactly once.
 */
class RedisOutageTest {
  private static final Duration OUTAGE = Duration.ofSeconds(10);

  @Test
  void graphsAcceptedBeforeATenSecondOutageCompleteAndNothingIsAcceptedDuringIt() throws Exception {
    try (RedisServer redis = RedisServer.builder().appendOnly(Fsync.EVERYSEC).start();
        Dago dago = Dago.start(TestConfigs.redis(redis.addr(), "LLM_ECHO_LATENCY_MS", "200",
            "WORKER_POOL_SIZE", "4", "DAGO_INSTANCE_ID", "outage"))) {
      TestClient client = new TestClient(dago.httpPort());
      List<String> before = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        before.add(GraphChecks.submit(client, i % 2 == 0 ? GraphDocs.chain("before-" + i, 6)
            : GraphDocs.diamond("before-" + i)));
      }
      // Stop Redis in the middle of the work: some nodes done, every chain still running.
      await("a node completed", Duration.ofSeconds(10),
          () -> !GraphChecks.eventLog(client, before.get(0)).completed().isEmpty());
      long stopped = System.nanoTime();
      redis.stop();

      await("/health 503 with redis down", Duration.ofSeconds(5), () -> {
        TestClient.Reply health = client.get("/health");
        return health.status() == 503 && "down".equals(redisStatus(health));
      });
      Set<String> accepted = new HashSet<>(before);
      List<String> refusedNames = new ArrayList<>();
      List<String> unexpected = new ArrayList<>();
      // Probe submits through the whole outage: each must be refused with 503 unavailable, or (if ever accepted)
      // must exist afterwards.
      for (int probe = 0; System.nanoTime() - stopped < OUTAGE.toNanos(); probe++) {
        String name = "during-" + probe;
        TestClient.Reply reply = client.postJson("/api/v1/graphs", GraphDocs.diamond(name));
        if (reply.status() == 202) {
          accepted.add((String) reply.body().get("id"));
        } else if (reply.status() == 503 && "unavailable".equals(reply.error().get("code"))) {
          refusedNames.add(name);
        } else {
          unexpected.add(name + ": " + reply.status() + " " + reply.raw().body());
        }
        TestClient.Reply health = client.get("/health");
        if (health.status() != 503 || !"down".equals(redisStatus(health))) {
          unexpected.add("/health during the outage: " + health.status() + " " + health.raw().body());
        }
        Await.pause(Duration.ofMillis(250));
      }
      redis.start();
      long restarted = System.nanoTime();

      assertEquals(List.of(), unexpected, "answers during the outage");
      assertTrue(!refusedNames.isEmpty(), "no submit was refused during the outage");
      Duration healthy = await("/health 200 again", Duration.ofSeconds(15), () -> {
        TestClient.Reply health = client.get("/health");
        return health.status() == 200 && "ok".equals(redisStatus(health));
      });
      Map<String, Map<String, Object>> finished =
          GraphChecks.awaitFinished(client, before, Duration.ofSeconds(60), () -> "");
      Duration toFinish = Duration.ofNanos(System.nanoTime() - restarted);
      GraphChecks.assertAllCompleted(finished, () -> "");
      for (String id : before) {
        GraphChecks.eventLog(client, id).assertCompletedCleanly(EventLog.Starts.ONCE);
      }
      Map<String, String> listed = listAll(client);
      assertEquals(accepted, listed.keySet(), "graphs listed after the outage vs graphs accepted");
      for (String name : refusedNames) {
        assertTrue(!listed.containsValue(name), "graph " + name + " was refused with 503 but exists: " + listed);
      }
      String after = GraphChecks.submit(client, GraphDocs.diamond("after"));
      GraphChecks.assertAllCompleted(
          GraphChecks.awaitFinished(client, List.of(after), Duration.ofSeconds(20), () -> ""), () -> "");
      System.out.printf("[redis outage] %d graphs accepted before, %d submits refused during %d s; /health 200 "
              + "%d ms after restart; all done %d ms after restart%n", before.size(), refusedNames.size(),
          OUTAGE.toSeconds(), healthy.toMillis(), toFinish.toMillis());
    }
  }

  @SuppressWarnings("unchecked")
  private static String redisStatus(TestClient.Reply health) {
    Map<String, Object> components = (Map<String, Object>) health.body().get("components");
    Map<String, Object> redis = (Map<String, Object>) components.get("redis");
    return redis == null ? null : (String) redis.get("status");
  }

  /** Every graph dago lists, id to name. */
  @SuppressWarnings("unchecked")
  private static Map<String, String> listAll(TestClient client) throws Exception {
    TestClient.Reply page = client.get("/api/v1/graphs?limit=1000");
    assertEquals(200, page.status(), page.raw().body());
    assertEquals(null, page.body().get("next_cursor"), page.raw().body());
    Map<String, String> graphs = new LinkedHashMap<>();
    for (Object graph : (List<Object>) page.body().get("graphs")) {
      Map<String, Object> g = (Map<String, Object>) graph;
      graphs.put((String) g.get("id"), (String) g.get("name"));
    }
    return graphs;
  }
}
