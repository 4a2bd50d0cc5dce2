package io.dago.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.testing.RedisCluster;
import io.dago.testing.RedisServer;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * dago on a Redis Cluster of three masters, two instances sharing it: graphs submitted to either complete and read
 * the same from both; the 16 queue streams are spread over the masters, and every key of a graph sits in the slot
 * of its shard's queue, so that one script can change the graph and its queue together.
 */
class RedisClusterModeTest {
  private static final int GRAPHS = 30;
  private static final int SHARDS = 16;

  @Test
  void graphsCompleteOnAClusterAndEachGraphsKeysShareTheSlotOfItsQueue() throws Exception {
    try (RedisCluster cluster = RedisCluster.start();
        Dago one = Dago.start(TestConfigs.redis(cluster.seeds(), "REDIS_CLUSTER", "true",
            "DAGO_INSTANCE_ID", "one", "WORKER_POOL_SIZE", "8", "LLM_ECHO_LATENCY_MS", "20"));
        Dago two = Dago.start(TestConfigs.redis(cluster.seeds(), "REDIS_CLUSTER", "true",
            "DAGO_INSTANCE_ID", "two", "WORKER_POOL_SIZE", "8", "LLM_ECHO_LATENCY_MS", "20"))) {
      TestClient clientOne = new TestClient(one.httpPort());
      TestClient clientTwo = new TestClient(two.httpPort());
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < GRAPHS; i++) {
        ids.add(GraphChecks.submit(i % 2 == 0 ? clientOne : clientTwo, GraphDocs.diamond("diamond-" + i)));
      }

      // Each instance waits for, and reads, the graphs submitted to the other as well as its own.
      GraphChecks.assertAllCompleted(
          GraphChecks.awaitFinished(clientTwo, ids, Duration.ofSeconds(30), () -> ""), () -> "");
      for (String id : ids) {
        assertEquals("completed", GraphChecks.state(clientOne, id).get("status"), id);
        EventLog log = GraphChecks.eventLog(clientOne, id);
        assertEquals(11, log.events().size(), log.render());
        log.assertCompletedCleanly(EventLog.Starts.ONCE);
      }
      assertEquals(new TreeSet<>(ids), listed(clientOne), "graphs listed by one");
      assertEquals(new TreeSet<>(ids), listed(clientTwo), "graphs listed by two");

      Map<String, Set<String>> keysByMaster = new TreeMap<>();
      Map<String, Long> slotOf = new HashMap<>();
      for (RedisServer master : cluster.nodes()) {
        try (Jedis jedis = new Jedis(master.host(), master.port())) {
          Set<String> keys = jedis.keys("dago:*");
          keysByMaster.put(master.addr(), keys);
          for (String key : keys) {
            slotOf.put(key, jedis.clusterKeySlot(key));
          }
        }
      }
      String where = "keys by master: " + keysByMaster;

      Map<String, String> queueMaster = new TreeMap<>();
      keysByMaster.forEach((master, keys) -> keys.stream().filter(key -> key.matches("dago:\\{s\\d+}:q"))
          .forEach(queue -> assertEquals(null, queueMaster.put(queue, master), queue + " on two masters; " + where)));
      Set<String> allQueues = IntStream.range(0, SHARDS).mapToObj(s -> "dago:{s" + s + "}:q")
          .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(allQueues, queueMaster.keySet(), "queue streams; " + where);
      Set<String> mastersWithQueues = new HashSet<>(queueMaster.values());
      assertTrue(mastersWithQueues.size() >= 2, "every queue on one master: " + queueMaster);

      Set<String> mastersWithGraphs = new HashSet<>();
      for (String id : ids) {
        Map<String, String> keyMaster = new TreeMap<>();
        keysByMaster.forEach((master, keys) -> keys.stream().filter(key -> key.endsWith(":" + id))
            .forEach(key -> keyMaster.put(key, master)));
        assertEquals(2, keyMaster.size(), "keys of graph " + id + " (its hash and its event log): " + keyMaster);
        String shardTag = keyMaster.keySet().iterator().next().replaceAll("^(dago:\\{s\\d+}:).*", "$1");
        String queue = shardTag + "q";
        assertTrue(keyMaster.containsKey(shardTag + "g:" + id) && keyMaster.containsKey(shardTag + "ev:" + id),
            "keys of graph " + id + ": " + keyMaster.keySet());
        for (String key : keyMaster.keySet()) {
          assertEquals(slotOf.get(queue), slotOf.get(key), "slot of " + key + " vs its queue " + queue);
          assertEquals(queueMaster.get(queue), keyMaster.get(key), "master of " + key + " vs its queue " + queue);
        }
        mastersWithGraphs.add(keyMaster.get(queue.replace(":q", ":g:" + id)));
      }
      assertTrue(mastersWithGraphs.size() >= 2, "all graphs on one master; " + where);
      System.out.printf("[redis cluster] %d graphs completed; queues per master %s; graphs on %d masters%n",
          ids.size(), queueMaster.values().stream().collect(Collectors.groupingBy(m -> m, TreeMap::new,
              Collectors.counting())), mastersWithGraphs.size());
    }
  }

  @SuppressWarnings("unchecked")
  private static Set<String> listed(TestClient client) throws Exception {
    TestClient.Reply page = client.get("/api/v1/graphs?limit=1000");
    assertEquals(200, page.status(), page.raw().body());
    Set<String> ids = new TreeSet<>();
    for (Object graph : (List<Object>) page.body().get("graphs")) {
      Map<String, Object> g = (Map<String, Object>) graph;
      assertEquals("completed", g.get("status"), String.valueOf(g));
      ids.add((String) g.get("id"));
    }
    return ids;
  }
}
