package io.dago.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A finished graph's event log with its dependencies, and the checks that say it ran to the end cleanly: every node
 * completed exactly once, never started before all its parents completed, never started again after completing.
 *
 * @param events the log as the HTTP API shows it
 * @param dependsOn every node id with the ids it depends on
 */
record EventLog(String graphId, List<Map<String, Object>> events, Map<String, List<String>> dependsOn) {

  /** How many times a node may start: once, or again as a new attempt when a crash cut its first one off. */
  enum Starts { ONCE, AGAIN_AFTER_A_CRASH }

  /**
   * Asserts the graph completed and that its log is gapless and consistent, each node having exactly one
   * {@code NodeCompleted}.
   */
  void assertCompletedCleanly(Starts starts) {
    String where = "graph " + graphId + "; events:\n" + render();
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1L, seq(events.get(i)), "seq must count from 1 without gaps; " + where);
    }
    assertEquals("GraphSubmitted", type(events.get(0)), where);
    assertEquals("GraphCompleted", type(events.get(events.size() - 1)), where);
    assertEquals(1, events.stream().filter(e -> type(e).equals("GraphCompleted")).count(), where);
    for (Map<String, Object> event : events) {
      String type = type(event);
      assertTrue(!type.equals("NodeFailed") && !type.equals("GraphFailed") && !type.equals("NodeCancelled"),
          "unexpected " + type + "; " + where);
    }
    for (String node : dependsOn.keySet()) {
      List<Map<String, Object>> started = of(node, "NodeStarted");
      List<Map<String, Object>> completed = of(node, "NodeCompleted");
      assertEquals(1, completed.size(), "NodeCompleted events of node " + node + "; " + where);
      long completedAt = seq(completed.get(0));
      if (starts == Starts.ONCE) {
        assertEquals(1, started.size(), "NodeStarted events of node " + node + "; " + where);
      } else {
        assertTrue(!started.isEmpty(), "node " + node + " never started; " + where);
      }
      long lastAttempt = 0;
      for (Map<String, Object> start : started) {
        long attempt = ((Number) data(start).get("attempt")).longValue();
        assertTrue(attempt > lastAttempt, "node " + node + " started attempt " + attempt + " after attempt "
            + lastAttempt + "; " + where);
        lastAttempt = attempt;
        assertTrue(seq(start) < completedAt, "node " + node + " started again (seq " + seq(start)
            + ") after it completed (seq " + completedAt + "); " + where);
        for (String parent : dependsOn.get(node)) {
          long parentCompleted = of(parent, "NodeCompleted").stream().mapToLong(EventLog::seq).min().orElse(0);
          assertTrue(parentCompleted > 0 && seq(start) > parentCompleted, "node " + node + " started (seq "
              + seq(start) + ") before its parent " + parent + " completed (seq " + parentCompleted + "); " + where);
        }
      }
      assertEquals(lastAttempt, ((Number) data(completed.get(0)).get("attempts")).longValue(),
          "attempts of node " + node + " in its NodeCompleted; " + where);
    }
  }

  /** Nodes with a {@code NodeStarted} and no {@code NodeCompleted} yet. */
  List<String> running() {
    List<String> running = new ArrayList<>();
    for (String node : dependsOn.keySet()) {
      if (!of(node, "NodeStarted").isEmpty() && of(node, "NodeCompleted").isEmpty()) {
        running.add(node);
      }
    }
    return running;
  }

  /** Nodes with a {@code NodeCompleted}. */
  List<String> completed() {
    return dependsOn.keySet().stream().filter(node -> !of(node, "NodeCompleted").isEmpty()).toList();
  }

  /** How many nodes started more than once. */
  long restartedNodes() {
    return dependsOn.keySet().stream().filter(node -> of(node, "NodeStarted").size() > 1).count();
  }

  /** One line per event, without outputs, for failure messages. */
  String render() {
    StringBuilder text = new StringBuilder();
    for (Map<String, Object> event : events) {
      Object attempt = data(event).get("attempt");
      text.append("  ").append(event.get("seq")).append(' ').append(type(event))
          .append(event.get("node_id") == null ? "" : " " + event.get("node_id"))
          .append(attempt == null ? "" : " attempt=" + attempt)
          .append(' ').append(event.get("time")).append('\n');
    }
    return text.toString();
  }

  private List<Map<String, Object>> of(String node, String type) {
    List<Map<String, Object>> found = new ArrayList<>();
    for (Map<String, Object> event : events) {
      if (type.equals(type(event)) && Objects.equals(node, event.get("node_id"))) {
        found.add(event);
      }
    }
    if (!dependsOn.containsKey(node)) {
      fail("no node " + node + " in graph " + graphId);
    }
    return found;
  }

  private static long seq(Map<String, Object> event) {
    return ((Number) event.get("seq")).longValue();
  }

  private static String type(Map<String, Object> event) {
    return (String) event.get("type");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> data(Map<String, Object> event) {
    Object data = event.get("data");
    return data == null ? Map.of() : (Map<String, Object>) data;
  }
}
