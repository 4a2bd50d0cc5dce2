package io.dago.it.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.testing.Await;
import io.dago.testing.RedisServer;
import io.dago.testing.TestClient;
import io.dago.testing.WsRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Two dago instances in Redis mode on one Redis, as a scaled-out deployment runs them: they split the work, each
 * answers for every graph, a cancel on one stops the attempt on the other, a WebSocket on one follows what the other
 * runs (its firehose too, in each graph's seq order), and a node whose parents finish on both becomes ready once. Each
 * test runs its own pair on a database of its own, with the latency and workers it needs.
 */
class TwoInstancesTest {
  private static final String NODES_COMPLETED = "dago_nodes_finished_total{status=\"completed\"}";
  private static final Duration WAIT = Duration.ofSeconds(10);
  /** a; b and c depend on a; d depends on b and c. */
  private static final String DIAMOND = """
      {"name": "diamond", "nodes": [
        {"id": "a", "prompt": "one"},
        {"id": "b", "depends_on": ["a"], "prompt": "two after {{nodes.a.output}}"},
        {"id": "c", "depends_on": ["a"], "prompt": "three"},
        {"id": "d", "depends_on": ["b", "c"], "prompt": "{{nodes.b.output}} and {{nodes.c.output}}"}]}""";

  private static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.builder().start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  /** A root, {@code children} nodes that depend on it, and a join that depends on all of them. */
  static String wide(int children) {
    List<String> nodes = new ArrayList<>();
    nodes.add("{\"id\": \"root\", \"prompt\": \"root\"}");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < children; i++) {
      ids.add("\"c" + i + "\"");
      nodes.add("{\"id\": \"c" + i + "\", \"depends_on\": [\"root\"], \"prompt\": \"child " + i
          + " of {{nodes.root.output}}\"}");
    }
    nodes.add("{\"id\": \"join\", \"depends_on\": [" + String.join(", ", ids) + "], \"prompt\": \"join\"}");
    return "{\"name\": \"wide\", \"nodes\": [" + String.join(",\n", nodes) + "]}";
  }

  @Test
  void aWideGraphSubmittedOnOneInstanceRunsOnBothAndNoNodeRunsTwice() throws Exception {
    try (TwoInstances pair = TwoInstances.start(redis, 1, "LLM_ECHO_LATENCY_MS", "50", "WORKER_POOL_SIZE", "4")) {
      String id = pair.a.submit(wide(40));

      Map<String, Object> graph = pair.a.awaitEnd(id);

      assertEquals("completed", graph.get("status"), graph.toString());
      // Each instance counts the nodes whose outcome it committed, i.e. the ones it ran. The counter moves just after
      // the commit, so the last node's may lag the graph's end by a moment.
      Await.await("both instances counted 42 nodes between them", WAIT,
          () -> pair.a.metric(NODES_COMPLETED) + pair.b.metric(NODES_COMPLETED) >= 42);
      double ranOnA = pair.a.metric(NODES_COMPLETED);
      double ranOnB = pair.b.metric(NODES_COMPLETED);
      assertTrue(ranOnA > 0, "a ran no node (b ran " + ranOnB + ")");
      assertTrue(ranOnB > 0, "b ran no node (a ran " + ranOnA + ")");
      assertEquals(42, ranOnA + ranOnB, "a ran " + ranOnA + ", b ran " + ranOnB + " of 42 nodes");
      assertEquals(42, count(pair.a.events(id), "NodeStarted"), "one attempt per node");
    }
  }

  @Test
  void aGraphSubmittedOnOneInstanceCanBeReadOnTheOther() throws Exception {
    try (TwoInstances pair = TwoInstances.start(redis, 2, "LLM_ECHO_LATENCY_MS", "50", "WORKER_POOL_SIZE", "4")) {
      String id = pair.a.submit(DIAMOND);

      Map<String, Object> onB = pair.b.awaitEnd(id);

      assertEquals("completed", onB.get("status"), onB.toString());
      List<?> nodes = (List<?>) onB.get("nodes");
      assertEquals(4, nodes.size(), onB.toString());
      for (Object node : nodes) {
        assertEquals("completed", ((Map<?, ?>) node).get("status"), onB.toString());
      }
      assertEquals(pair.a.graph(id), onB, "both instances show the same state");
      List<Map<String, Object>> events = pair.b.events(id);
      assertEquals(11, events.size(), events.toString());
      assertEquals(pair.a.events(id), events, "both instances show the same log");
      assertTrue(pair.b.listedIds().contains(id), "b lists the graph a accepted");
    }
  }

  @Test
  void cancellingOnOneInstanceStopsTheAttemptRunningOnTheOtherWithinASecond(TestReporter reporter) throws Exception {
    try (TwoInstances pair = TwoInstances.start(redis, 3, "LLM_ECHO_LATENCY_MS", "20000", "WORKER_POOL_SIZE", "2")) {
      String id = pair.a.submit("{\"nodes\": [{\"id\": \"slow\", \"prompt\": \"take your time\"}]}");
      Await.await("one instance runs the node", WAIT,
          () -> pair.a.busy() + pair.b.busy() == 1 && "running".equals(node(pair.a.graph(id), 0).get("status")));
      Instance runner = pair.a.busy() == 1 ? pair.a : pair.b;
      Instance canceller = pair.other(runner);

      long start = System.nanoTime();
      TestClient.Reply cancelled = canceller.http.postEmpty("/api/v1/graphs/" + id + "/cancel");
      Await.await("cancelled on both and the attempt on " + runner.name + " stopped", Duration.ofSeconds(5),
          () -> "cancelled".equals(runner.status(id)) && "cancelled".equals(canceller.status(id))
              && runner.busy() == 0);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      reporter.publishEntry("cancelled on " + canceller.name + ", attempt on " + runner.name + " stopped after",
          elapsed.toMillis() + " ms");

      assertEquals(200, cancelled.status(), cancelled.raw().body());
      assertEquals("cancelled", cancelled.body().get("status"));
      assertTrue(elapsed.compareTo(Duration.ofSeconds(1)) < 0,
          "the attempt on " + runner.name + " stopped " + elapsed.toMillis() + " ms after the cancel on "
              + canceller.name);
      assertEquals("cancelled", node(runner.graph(id), 0).get("status"));
      List<Map<String, Object>> events = runner.events(id);
      assertEquals(List.of("GraphSubmitted", "GraphStarted", "NodeStarted", "NodeCancelled", "GraphCancelled"),
          events.stream().map(e -> e.get("type")).toList(), events.toString());
    }
  }

  @Test
  void aWebSocketOnOneInstanceFollowsAGraphTheOtherAccepted() throws Exception {
    try (TwoInstances pair = TwoInstances.start(redis, 4, "LLM_ECHO_LATENCY_MS", "50", "WORKER_POOL_SIZE", "4");
        WsFrames firehose = WsFrames.connect(pair.b.wsPort(), "/api/v1/events")) {
      awaitSubscribed(pair.a, firehose);
      String id = pair.a.submit(wide(12));

      List<Map<String, Object>> frames;
      WsRecorder.Close close;
      try (WsFrames follower = WsFrames.connect(pair.b.wsPort(), "/api/v1/graphs/" + id + "/events")) {
        frames = follower.until(frame -> "GraphCompleted".equals(frame.get("type")), WAIT);
        close = follower.awaitClose(WAIT);
        assertEquals(List.of(), follower.drain(), "nothing after the terminal event");
      }

      assertEquals(new WsRecorder.Close(1000, "graph finished"), close);
      List<Map<String, Object>> log = pair.a.events(id);
      assertEquals(log, frames, "every event once, in seq order, exactly as a's HTTP API shows them");
      assertEquals(2 + 2 * 14 + 1, log.size(), "submitted, started, 14 nodes started and completed, completed");
      // Every event must come, once; their order is theFirehoseDeliversEachGraphsEventsInSeqOrder's subject.
      List<Map<String, Object>> heard = new ArrayList<>();
      Await.await("the firehose on b heard every event of the graph", WAIT, () -> {
        for (Map<String, Object> frame; (frame = firehose.poll(Duration.ZERO)) != null; ) {
          if (id.equals(frame.get("graph_id"))) {
            heard.add(frame);
          }
        }
        return heard.size() >= log.size();
      });
      heard.sort((x, y) -> Long.compare(seq(x), seq(y)));
      assertEquals(log, heard, "the firehose gave each event once");
    }
  }

  /**
   * The event bus promises every listener a graph's stored events in {@code seq} order ({@code EventBus}: "Listeners
   * are called in seq order per graph"), the firehose's listeners included. Graphs whose nodes run on both instances
   * have their events committed by both, which is when the order is at stake.
   */
  @Test
  void theFirehoseDeliversEachGraphsEventsInSeqOrder() throws Exception {
    int graphs = 3;
    try (TwoInstances pair = TwoInstances.start(redis, 6, "LLM_ECHO_LATENCY_MS", "0", "WORKER_POOL_SIZE", "8");
        WsFrames firehose = WsFrames.connect(pair.b.wsPort(), "/api/v1/events")) {
      awaitSubscribed(pair.a, firehose);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < graphs; i++) {
        ids.add((i % 2 == 0 ? pair.a : pair.b).submit(wide(20)));
      }
      Map<String, Integer> logSizes = new HashMap<>();
      for (String id : ids) {
        assertEquals("completed", pair.a.awaitEnd(id).get("status"));
        logSizes.put(id, pair.a.events(id).size());
      }

      Map<String, List<Long>> heard = new HashMap<>();
      Await.await("the firehose on b heard every event of the " + graphs + " graphs", WAIT, () -> {
        for (Map<String, Object> frame; (frame = firehose.poll(Duration.ZERO)) != null; ) {
          if (logSizes.containsKey((String) frame.get("graph_id"))) {
            heard.computeIfAbsent((String) frame.get("graph_id"), id -> new ArrayList<>()).add(seq(frame));
          }
        }
        return logSizes.entrySet().stream()
            .allMatch(log -> heard.getOrDefault(log.getKey(), List.of()).size() >= log.getValue());
      });

      List<String> outOfOrder = new ArrayList<>();
      for (String id : ids) {
        List<Long> seqs = heard.get(id);
        assertEquals(LongStream.rangeClosed(1, logSizes.get(id)).boxed().toList(), seqs.stream().sorted().toList(),
            "graph " + id + ": every event once");
        for (int i = 1; i < seqs.size(); i++) {
          if (seqs.get(i) < seqs.get(i - 1)) {
            outOfOrder.add(id + ": seq " + seqs.get(i) + " after " + seqs.get(i - 1));
            break;
          }
        }
      }
      assertEquals(List.of(), outOfOrder, "graphs of " + graphs + " whose events the firehose delivered out of order"
          + " (first inversion of each)");
    }
  }

  @Test
  void nodesWhoseParentsFinishOnBothInstancesStartExactlyOnce(TestReporter reporter) throws Exception {
    int graphs = 100;
    long refusedBefore = RefusedCommits.so(redis);
    try (TwoInstances pair = TwoInstances.start(redis, 5, "LLM_ECHO_LATENCY_MS", "0", "WORKER_POOL_SIZE", "8");
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> submitted = new ArrayList<>();
      for (int i = 0; i < graphs; i++) {
        Instance on = i % 2 == 0 ? pair.a : pair.b;
        submitted.add(clients.submit(() -> on.submit(DIAMOND)));
      }
      List<String> ids = new ArrayList<>();
      for (Future<String> id : submitted) {
        ids.add(id.get());
      }

      for (int i = 0; i < graphs; i++) {
        String id = ids.get(i);
        Instance other = i % 2 == 0 ? pair.b : pair.a;
        Map<String, Object> graph = other.awaitEnd(id);
        assertEquals("completed", graph.get("status"), graph.toString());
        List<Map<String, Object>> events = other.events(id);
        Map<Object, Long> started = events.stream().filter(e -> "NodeStarted".equals(e.get("type")))
            .collect(Collectors.groupingBy(e -> e.get("node_id"), TreeMap::new, Collectors.counting()));
        assertEquals(Map.of("a", 1L, "b", 1L, "c", 1L, "d", 1L), started, "graph " + id + ": " + events);
        assertEquals(4, count(events, "NodeCompleted"), "graph " + id + ": " + events);
        assertEquals(11, events.size(), "graph " + id + ": " + events);
      }
      double ranOnA = pair.a.metric(NODES_COMPLETED);
      double ranOnB = pair.b.metric(NODES_COMPLETED);
      assertTrue(ranOnA > 0 && ranOnB > 0, "a ran " + ranOnA + ", b ran " + ranOnB);
      reporter.publishEntry("nodes run on a / on b; commits refused because the other instance committed first",
          ranOnA + " / " + ranOnB + "; " + (RefusedCommits.so(redis) - refusedBefore));
    }
  }

  /** Runs probe graphs on {@code on} until the firehose has heard one end, then forgets what it heard. */
  private static void awaitSubscribed(Instance on, WsFrames firehose) throws Exception {
    List<String> probes = new ArrayList<>();
    Predicate<Map<String, Object>> probeEnded = frame ->
        "GraphCompleted".equals(frame.get("type")) && probes.contains((String) frame.get("graph_id"));
    Await.await("the firehose hears a probe graph", WAIT, () -> {
      String probe = on.submit("{\"nodes\": [{\"id\": \"probe\", \"prompt\": \"p\"}]}");
      probes.add(probe);
      on.awaitEnd(probe);
      for (Map<String, Object> frame; (frame = firehose.poll(Duration.ofMillis(200))) != null; ) {
        if (probeEnded.test(frame)) {
          return true;
        }
      }
      return false;
    });
    firehose.drain();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> node(Map<String, Object> graph, int index) {
    return ((List<Map<String, Object>>) graph.get("nodes")).get(index);
  }

  private static long count(List<Map<String, Object>> events, String type) {
    return events.stream().filter(e -> type.equals(e.get("type"))).count();
  }

  private static long seq(Map<String, Object> event) {
    return ((Number) event.get("seq")).longValue();
  }
}
