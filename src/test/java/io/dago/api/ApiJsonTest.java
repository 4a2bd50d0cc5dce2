package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.engine.Health;
import io.dago.engine.ValidationReport;
import io.dago.graph.Problem;
import io.dago.json.Json;
import io.dago.llm.Usage;
import io.dago.state.ErrorInfo;
import io.dago.state.Event;
import io.dago.state.EventType;
import io.dago.state.GraphPage;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.state.NodeStatus;
import io.dago.state.NodeView;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiJsonTest {
  private static final Instant CREATED = Instant.parse("2025-01-02T03:04:05.678Z");
  private static final Instant STARTED = Instant.parse("2025-01-02T03:04:06Z");

  private static GraphView runningGraph() {
    NodeView done = new NodeView("outline", NodeStatus.COMPLETED, List.of(), 1, "an outline", null,
        new Usage(10, 20), "end_turn", false, STARTED, STARTED.plusSeconds(1));
    NodeView waiting = new NodeView("intro", NodeStatus.PENDING, List.of("outline"), 0, null, null, null, null,
        false, null, null);
    return new GraphView("g1", "report", GraphStatus.RUNNING, "4bf92f3577b34da6a3ce929d0e0e4736", CREATED, STARTED, null, Map.of("topic", "tide pools"),
        null, new Usage(10, 20), List.of(done, waiting));
  }

  @Test
  void graph_hasEveryFieldInWireOrder() {
    Map<String, Object> json = ApiJson.graph(runningGraph());

    assertEquals(List.of("id", "name", "status", "trace_id", "created_at", "started_at", "finished_at", "input",
        "error", "usage", "nodes"), List.copyOf(json.keySet()));
    assertEquals("g1", json.get("id"));
    assertEquals("running", json.get("status"));
    assertEquals("2025-01-02T03:04:05.678Z", json.get("created_at"));
    assertEquals("2025-01-02T03:04:06Z", json.get("started_at"));
    assertEquals(Map.of("topic", "tide pools"), json.get("input"));
    assertEquals(Map.of("input_tokens", 10L, "output_tokens", 20L), json.get("usage"));
  }

  @Test
  void graph_fieldsWithoutValueArePresentAsNull() {
    Map<String, Object> json = ApiJson.graph(runningGraph());

    assertTrue(json.containsKey("finished_at"));
    assertNull(json.get("finished_at"));
    assertTrue(json.containsKey("error"));
    assertNull(json.get("error"));
    String written = Json.writeString(json);
    assertTrue(written.contains("\"finished_at\":null"), written);
    assertTrue(written.contains("\"error\":null"), written);
  }

  @Test
  void node_hasEveryFieldInWireOrderWithNullsPresent() {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> nodes = (List<Map<String, Object>>) ApiJson.graph(runningGraph()).get("nodes");

    Map<String, Object> done = nodes.get(0);
    assertEquals(List.of("id", "status", "depends_on", "attempts", "output", "error", "usage", "stop_reason",
        "cached", "started_at", "finished_at"), List.copyOf(done.keySet()));
    assertEquals("completed", done.get("status"));
    assertEquals("end_turn", done.get("stop_reason"));
    assertEquals("2025-01-02T03:04:07Z", done.get("finished_at"));
    Map<String, Object> waiting = nodes.get(1);
    assertEquals(List.of("outline"), waiting.get("depends_on"));
    assertEquals(0, waiting.get("attempts"));
    for (String key : List.of("output", "error", "usage", "stop_reason", "started_at", "finished_at")) {
      assertTrue(waiting.containsKey(key), key);
      assertNull(waiting.get(key), key);
    }
    assertEquals(false, waiting.get("cached"));
  }

  @Test
  void error_isCodeMessageRetryable() {
    assertEquals(List.of("code", "message", "retryable"),
        List.copyOf(ApiJson.error(new ErrorInfo("timeout", "took too long", true)).keySet()));
    assertEquals(Map.of("code", "timeout", "message", "took too long", "retryable", true),
        ApiJson.error(new ErrorInfo("timeout", "took too long", true)));
  }

  @Test
  void summary_countsNodesAndLeavesThemOut() {
    GraphView graph = runningGraph();
    Map<String, Object> json = ApiJson.summary(graph.summary());

    assertEquals(List.of("id", "name", "status", "created_at", "started_at", "finished_at", "error", "usage",
        "node_count"), List.copyOf(json.keySet()));
    assertEquals(2, json.get("node_count"));
  }

  @Test
  void page_holdsSummariesAndNextCursorEvenWhenNull() {
    Map<String, Object> json = ApiJson.page(new GraphPage(List.of(runningGraph().summary()), null));

    assertEquals(List.of("graphs", "next_cursor"), List.copyOf(json.keySet()));
    assertEquals(1, ((List<?>) json.get("graphs")).size());
    assertNull(json.get("next_cursor"));
  }

  @Test
  void event_ofNodeHasNodeId() {
    Event event = new Event(3, EventType.NodeStarted, "g1", "outline", "4bf92f3577b34da6a3ce929d0e0e4736", CREATED, Map.of("attempt", 1));
    Map<String, Object> json = ApiJson.event(event);

    assertEquals(List.of("seq", "type", "graph_id", "node_id", "trace_id", "time", "data"), List.copyOf(json.keySet()));
    assertEquals(3L, json.get("seq"));
    assertEquals("NodeStarted", json.get("type"));
    assertEquals("outline", json.get("node_id"));
    assertEquals("2025-01-02T03:04:05.678Z", json.get("time"));
    assertEquals(Map.of("attempt", 1), json.get("data"));
  }

  @Test
  void event_ofGraphHasNoNodeIdKey() {
    Event event = new Event(1, EventType.GraphSubmitted, "g1", null, "4bf92f3577b34da6a3ce929d0e0e4736", CREATED, Map.of());

    assertFalse(ApiJson.event(event).containsKey("node_id"));
  }

  @Test
  void event_liveOnlyHasNoSeqKey() {
    Event delta = Event.live(EventType.NodeDelta, "g1", "outline", "4bf92f3577b34da6a3ce929d0e0e4736", CREATED, Map.of("text", "Hel", "attempt", 1));

    assertEquals(List.of("type", "graph_id", "node_id", "trace_id", "time", "data"),
        List.copyOf(ApiJson.event(delta).keySet()));
  }

  @Test
  void health_hasStatusAndComponents() {
    Map<String, Map<String, Object>> components = Map.of("store", Map.of("status", "ok"));
    Map<String, Object> json = ApiJson.health(new Health(Health.Status.DEGRADED, components));

    assertEquals("degraded", json.get("status"));
    assertEquals(components, json.get("components"));
  }

  @Test
  void validation_isAlwaysValidWithSize() {
    assertEquals(Map.of("valid", true, "nodes", 4, "depth", 3), ApiJson.validation(new ValidationReport(4, 3)));
  }

  @Test
  void apiError_withoutDetailsHasCodeAndMessageOnly() {
    assertEquals("{\"error\":{\"code\":\"not_found\",\"message\":\"no such graph\"}}",
        Json.writeString(ApiJson.apiError("not_found", "no such graph")));
  }

  @Test
  void apiError_withProblemsListsPathAndMessage() {
    Map<String, Object> body = ApiJson.apiError("invalid_graph", "2 problems",
        List.of(new Problem("$.nodes[0].id", "missing"), new Problem("$.name", "too long")));

    assertEquals("{\"error\":{\"code\":\"invalid_graph\",\"message\":\"2 problems\",\"details\":["
        + "{\"path\":\"$.nodes[0].id\",\"message\":\"missing\"},{\"path\":\"$.name\",\"message\":\"too long\"}]}}",
        Json.writeString(body));
  }

  @Test
  void apiError_withExtraMembersPutsThemInsideTheErrorAfterMessage() {
    assertEquals("{\"error\":{\"code\":\"conflict\",\"message\":\"finished\",\"status\":\"completed\"}}",
        Json.writeString(ApiJson.apiError("conflict", "finished", Map.of("status", "completed"))));
  }
}
