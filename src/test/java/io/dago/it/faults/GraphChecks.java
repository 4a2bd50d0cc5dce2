package io.dago.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.testing.Await;
import io.dago.testing.TestClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the fault tests ask of a dago over HTTP: submit, wait for graphs to finish, read them back. */
final class GraphChecks {
  private GraphChecks() {}

  /** Submits a graph and returns its id; the answer must be 202. */
  static String submit(TestClient client, String document) throws IOException, InterruptedException {
    TestClient.Reply reply = client.postJson("/api/v1/graphs", document);
    assertEquals(202, reply.status(), reply.raw().body());
    return (String) reply.body().get("id");
  }

  /** The graph's state as the HTTP API shows it. */
  static Map<String, Object> state(TestClient client, String id) throws IOException, InterruptedException {
    TestClient.Reply reply = client.get("/api/v1/graphs/" + id);
    assertEquals(200, reply.status(), reply.raw().body());
    return reply.body();
  }

  /**
   * Waits, with the API's long poll, until every graph has finished, and returns each final state by id.
   *
   * @throws AssertionError naming the graphs still unfinished (and {@code context}) when the time runs out
   */
  static Map<String, Map<String, Object>> awaitFinished(TestClient client, List<String> ids, Duration timeout,
      Await.Context context) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Map<String, Object>> finished = new LinkedHashMap<>();
    for (String id : ids) {
      while (true) {
        long remainingSeconds = Math.max(0, (deadline - System.nanoTime()) / 1_000_000_000L);
        TestClient.Reply reply = client.get("/api/v1/graphs/" + id + "?wait=" + Math.min(10, remainingSeconds));
        String status = reply.status() == 200 ? (String) reply.body().get("status") : null;
        if (status != null && !status.equals("pending") && !status.equals("running")) {
          finished.put(id, reply.body());
          break;
        }
        if (System.nanoTime() - deadline > 0) {
          List<String> unfinished = new ArrayList<>(ids.subList(ids.indexOf(id), ids.size()));
          throw new AssertionError(unfinished.size() + " of " + ids.size() + " graphs not finished within "
              + timeout.toSeconds() + " s: " + unfinished + "; last answer for " + id + ": " + reply.status() + " "
              + reply.raw().body() + "\n" + context.describe());
        }
        if (reply.status() != 200 || remainingSeconds == 0) {
          Await.pause(Duration.ofMillis(100)); // 503 while a store is down, or no time left to long-poll
        }
      }
    }
    return finished;
  }

  /** Asserts every graph finished as {@code completed}; the message lists the others with their errors. */
  static void assertAllCompleted(Map<String, Map<String, Object>> finished, Await.Context context) {
    List<String> others = new ArrayList<>();
    finished.forEach((id, state) -> {
      if (!"completed".equals(state.get("status"))) {
        others.add(id + " " + state.get("status") + " " + state.get("error"));
      }
    });
    assertEquals(List.of(), others, "graphs that did not complete\n" + context.describe());
  }

  /** The latest {@code finished_at} among the graphs. */
  static Instant lastFinish(Map<String, Map<String, Object>> finished) {
    return finished.values().stream().map(state -> Instant.parse((String) state.get("finished_at")))
        .max(Instant::compareTo).orElseThrow();
  }

  /** The graph's event log with each node's dependencies. */
  @SuppressWarnings("unchecked")
  static EventLog eventLog(TestClient client, String id) throws IOException, InterruptedException {
    Map<String, List<String>> dependsOn = new LinkedHashMap<>();
    for (Object node : (List<Object>) state(client, id).get("nodes")) {
      Map<String, Object> n = (Map<String, Object>) node;
      dependsOn.put((String) n.get("id"), (List<String>) n.get("depends_on"));
    }
    TestClient.Reply reply = client.get("/api/v1/graphs/" + id + "/events");
    assertEquals(200, reply.status(), reply.raw().body());
    return new EventLog(id, (List<Map<String, Object>>) reply.body().get("events"), dependsOn);
  }

  /** The {@code workers} component of {@code /health}: {@code busy}, {@code pool_size}, {@code queued}. */
  @SuppressWarnings("unchecked")
  static int busyWorkers(TestClient client) throws IOException, InterruptedException {
    TestClient.Reply health = client.get("/health");
    Map<String, Object> components = (Map<String, Object>) health.body().get("components");
    return ((Number) ((Map<String, Object>) components.get("workers")).get("busy")).intValue();
  }
}
