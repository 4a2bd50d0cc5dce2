package io.dago.api.http;

import io.dago.testing.TestConfigs;
import io.dago.testing.TestClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.config.Config;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole application behind its HTTP API, with the echo provider, on a free port. */
class HttpApiEndToEndTest {
  private static final String EXAMPLE = """
      {"name":"report","input":{"topic":"tide pools"},"nodes":[
        {"id":"outline","system":"You are an editor.","prompt":"Outline an article on {{input.topic}}.","max_tokens":800},
        {"id":"intro","depends_on":["outline"],"prompt":"Write the introduction for:\\n{{nodes.outline.output}}"},
        {"id":"facts","depends_on":["outline"],"prompt":"List facts for:\\n{{nodes.outline.output}}"},
        {"id":"final","depends_on":["intro","facts"],"prompt":"{{nodes.intro.output}}\\n\\n{{nodes.facts.output}}"}]}
      """;
  /** Slow enough that a graph is still going when the submit answers, fast enough for a quick suite. */
  private static final Duration ECHO_LATENCY = Duration.ofMillis(50);

  private static Dago dago;
  private static TestClient client;

  @BeforeAll
  static void start() {
    dago = Dago.start(TestConfigs.embedded("WORKER_POOL_SIZE", "8", "LLM_ECHO_LATENCY_MS", String.valueOf(ECHO_LATENCY.toMillis())));
    client = new TestClient(dago.httpPort());
  }

  @AfterAll
  static void stop() {
    if (dago != null) {
      dago.close();
    }
  }

  private static String graphNamed(String name) {
    return "{\"name\":\"" + name + "\",\"nodes\":[{\"id\":\"only\",\"prompt\":\"say " + name + "\"}]}";
  }

  private static Map<String, Object> awaitFinished(String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      TestClient.Reply reply = client.get("/api/v1/graphs/" + id + "?wait=5");
      assertEquals(200, reply.status());
      String status = (String) reply.body().get("status");
      if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")) {
        return reply.body();
      }
      assertTrue(System.nanoTime() < deadline, "graph " + id + " still " + status);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> node(Map<String, Object> graph, int index) {
    return ((List<Map<String, Object>>) graph.get("nodes")).get(index);
  }

  private static long number(Object value) {
    return ((Number) value).longValue();
  }

  @Test
  void submitAnswers202WithLocationAndPendingStateWithNullsPresent() throws Exception {
    TestClient.Reply reply = client.postJson("/api/v1/graphs", EXAMPLE);

    assertEquals(202, reply.status());
    String id = (String) reply.body().get("id");
    assertTrue(id.matches("[A-Za-z0-9_-]{1,64}"), id);
    assertEquals("/api/v1/graphs/" + id, reply.header("Location"));
    assertEquals("application/json", reply.header("Content-Type"));
    assertEquals(List.of("id", "name", "status", "trace_id", "created_at", "started_at", "finished_at", "input",
        "error", "usage", "nodes"), List.copyOf(reply.body().keySet()));
    assertNull(reply.body().get("finished_at"));
    assertNull(reply.body().get("error"));
    Map<String, Object> last = node(reply.body(), 3);
    assertEquals(List.of("id", "status", "depends_on", "attempts", "output", "error", "usage", "stop_reason",
        "cached", "started_at", "finished_at"), List.copyOf(last.keySet()));
    assertEquals("pending", last.get("status"));
    assertNull(last.get("output"));
    assertNull(last.get("finished_at"));
    awaitFinished(id);
  }

  @Test
  void exampleGraphCompletesWithEveryFieldFilled() throws Exception {
    String id = (String) client.postJson("/api/v1/graphs", EXAMPLE).body().get("id");

    Map<String, Object> graph = awaitFinished(id);

    assertEquals(id, graph.get("id"));
    assertEquals("report", graph.get("name"));
    assertEquals("completed", graph.get("status"));
    Instant created = Instant.parse((String) graph.get("created_at"));
    Instant started = Instant.parse((String) graph.get("started_at"));
    Instant finished = Instant.parse((String) graph.get("finished_at"));
    assertFalse(started.isBefore(created));
    assertFalse(finished.isBefore(started));
    assertEquals(Map.of("topic", "tide pools"), graph.get("input"));
    assertTrue(graph.containsKey("error"));
    assertNull(graph.get("error"));

    List<String> ids = new ArrayList<>();
    long inputTokens = 0;
    long outputTokens = 0;
    for (int i = 0; i < 4; i++) {
      Map<String, Object> node = node(graph, i);
      ids.add((String) node.get("id"));
      assertEquals("completed", node.get("status"), node.toString());
      assertEquals(1L, number(node.get("attempts")));
      assertTrue(((String) node.get("output")).startsWith("echo: "), node.toString());
      assertNull(node.get("error"));
      assertNotNull(node.get("stop_reason"));
      Instant nodeStarted = Instant.parse((String) node.get("started_at"));
      Instant nodeFinished = Instant.parse((String) node.get("finished_at"));
      assertFalse(nodeFinished.isBefore(nodeStarted));
      @SuppressWarnings("unchecked")
      Map<String, Object> usage = (Map<String, Object>) node.get("usage");
      assertEquals(List.of("input_tokens", "output_tokens"), List.copyOf(usage.keySet()));
      inputTokens += number(usage.get("input_tokens"));
      outputTokens += number(usage.get("output_tokens"));
    }
    assertEquals(List.of("outline", "intro", "facts", "final"), ids);
    assertEquals(List.of(), node(graph, 0).get("depends_on"));
    assertEquals(List.of("intro", "facts"), node(graph, 3).get("depends_on"));

    String outline = (String) node(graph, 0).get("output");
    String intro = (String) node(graph, 1).get("output");
    String facts = (String) node(graph, 2).get("output");
    assertEquals("echo: Outline an article on tide pools.", outline);
    assertEquals("echo: Write the introduction for:\n" + outline, intro);
    assertEquals("echo: List facts for:\n" + outline, facts);
    assertEquals("echo: " + intro + "\n\n" + facts, node(graph, 3).get("output"));

    @SuppressWarnings("unchecked")
    Map<String, Object> usage = (Map<String, Object>) graph.get("usage");
    assertEquals(inputTokens, number(usage.get("input_tokens")));
    assertEquals(outputTokens, number(usage.get("output_tokens")));
  }

  @Test
  void idempotentSubmitReturnsTheSameGraph() throws Exception {
    TestClient.Reply first = client.postJson("/api/v1/graphs", EXAMPLE, "Idempotency-Key", "same-key-1");
    TestClient.Reply second = client.postJson("/api/v1/graphs", EXAMPLE, "Idempotency-Key", "same-key-1");

    assertEquals(202, first.status());
    assertEquals(202, second.status());
    assertEquals(first.body().get("id"), second.body().get("id"));
    awaitFinished((String) first.body().get("id"));
  }

  @Test
  void sameIdempotencyKeyWithAnotherDocumentIs409() throws Exception {
    client.postJson("/api/v1/graphs", graphNamed("first"), "Idempotency-Key", "same-key-2");

    TestClient.Reply reply = client.postJson("/api/v1/graphs", graphNamed("second"), "Idempotency-Key", "same-key-2");

    assertEquals(409, reply.status());
    assertEquals("conflict", reply.error().get("code"));
  }

  @Test
  void overlongIdempotencyKeyIs400InvalidRequest() throws Exception {
    TestClient.Reply reply = client.postJson("/api/v1/graphs", EXAMPLE, "Idempotency-Key", "k".repeat(256));

    assertEquals(400, reply.status());
    assertEquals("invalid_request", reply.error().get("code"));
  }

  @Test
  void validateReportsSizeAndDepthOfAValidGraph() throws Exception {
    TestClient.Reply reply = client.postJson("/api/v1/graphs/validate", EXAMPLE);

    assertEquals(200, reply.status());
    assertEquals(Map.of("valid", true, "nodes", 4, "depth", 3), reply.body());
  }

  @Test
  void validateReportsEveryProblemWithItsPath() throws Exception {
    String invalid = """
        {"name":"bad","nodes":[
          {"id":"a","prompt":"x","depends_on":["ghost"]},
          {"id":"a","prompt":"y"},
          {"id":"c"}]}
        """;

    TestClient.Reply reply = client.postJson("/api/v1/graphs/validate", invalid);

    assertEquals(400, reply.status());
    assertEquals("invalid_graph", reply.error().get("code"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> details = (List<Map<String, Object>>) reply.error().get("details");
    assertTrue(details.size() >= 3, details.toString());
    for (Map<String, Object> problem : details) {
      assertEquals(List.of("path", "message"), List.copyOf(problem.keySet()));
      assertTrue(((String) problem.get("path")).startsWith("$"), problem.toString());
    }
    assertTrue(details.stream().anyMatch(p -> ((String) p.get("path")).startsWith("$.nodes[0].depends_on")),
        details.toString());
  }

  @Test
  void submitOfInvalidGraphIsTheSame400AsValidate() throws Exception {
    String invalid = "{\"name\":\"bad\",\"nodes\":[{\"id\":\"a\",\"prompt\":\"x\",\"depends_on\":[\"a\"]}]}";

    TestClient.Reply submit = client.postJson("/api/v1/graphs", invalid);
    TestClient.Reply validate = client.postJson("/api/v1/graphs/validate", invalid);

    assertEquals(400, submit.status());
    assertEquals(submit.body(), validate.body());
  }

  @Test
  void unknownFieldIsInvalidGraphNamingItsPath() throws Exception {
    String document = "{\"name\":\"x\",\"nodes\":[{\"id\":\"a\",\"prompt\":\"p\",\"colour\":\"red\"}]}";

    TestClient.Reply reply = client.postJson("/api/v1/graphs", document);

    assertEquals(400, reply.status());
    assertEquals("invalid_graph", reply.error().get("code"));
    assertTrue(reply.error().get("details").toString().contains("$.nodes[0].colour"), reply.body().toString());
  }

  @Test
  void malformedJsonAndTrailingContentAreInvalidJson() throws Exception {
    for (String body : List.of("{\"name\": ", "{\"name\":\"x\",\"nodes\":[]} trailing", "[]", "")) {
      TestClient.Reply reply = client.postJson("/api/v1/graphs", body);

      assertEquals(400, reply.status(), body);
      assertEquals("invalid_json", reply.error().get("code"), body);
    }
  }

  @Test
  void unknownGraphAndMalformedIdAndUnknownRouteAre404() throws Exception {
    for (String path : List.of("/api/v1/graphs/no-such-graph", "/api/v1/graphs/no.such.graph",
        "/api/v1/graphs/no-such-graph/events", "/api/v1/nothing", "/")) {
      TestClient.Reply reply = client.get(path);

      assertEquals(404, reply.status(), path);
      assertEquals("not_found", reply.error().get("code"), path);
    }
    assertEquals(404, client.postEmpty("/api/v1/graphs/no-such-graph/cancel").status());
  }

  @Test
  void wrongMethodIs405WithAllow() throws Exception {
    TestClient.Reply delete = client.send(client.request("/api/v1/graphs/abc").DELETE().build());
    TestClient.Reply getValidate = client.get("/api/v1/graphs/validate");

    assertEquals(405, delete.status());
    assertEquals("method_not_allowed", delete.error().get("code"));
    assertEquals("GET", delete.header("Allow"));
    assertEquals(405, getValidate.status());
    assertEquals("POST", getValidate.header("Allow"));
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    long limit = Config.defaults().maxBodyBytes();
    String big = "{\"name\":\"" + "x".repeat((int) limit) + "\",\"nodes\":[]}";

    TestClient.Reply reply = client.postJson("/api/v1/graphs", big);

    assertEquals(413, reply.status());
    assertEquals("payload_too_large", reply.error().get("code"));
    assertEquals(200, client.get("/health").status());
  }

  @Test
  void nonJsonContentTypeIs415() throws Exception {
    TestClient.Reply reply = client.send(client.request("/api/v1/graphs").header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(EXAMPLE)).build());

    assertEquals(415, reply.status());
    assertEquals("unsupported_media_type", reply.error().get("code"));
  }

  @Test
  void listingFiltersByStatusAndPagesNewestFirst() throws Exception {
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add((String) client.postJson("/api/v1/graphs", graphNamed("listed-" + i)).body().get("id"));
    }
    for (String id : mine) {
      awaitFinished(id);
    }

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      TestClient.Reply page = client.get("/api/v1/graphs?status=completed&limit=2"
          + (cursor == null ? "" : "&cursor=" + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8)));
      assertEquals(200, page.status());
      assertEquals(List.of("graphs", "next_cursor"), List.copyOf(page.body().keySet()));
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> graphs = (List<Map<String, Object>>) page.body().get("graphs");
      assertTrue(graphs.size() <= 2);
      for (Map<String, Object> summary : graphs) {
        assertEquals("completed", summary.get("status"));
        assertEquals(List.of("id", "name", "status", "created_at", "started_at", "finished_at", "error", "usage",
            "node_count"), List.copyOf(summary.keySet()));
        seen.add((String) summary.get("id"));
      }
      cursor = (String) page.body().get("next_cursor");
      assertTrue(++pages < 1000);
    } while (cursor != null);

    List<String> mineAsListed = seen.stream().filter(mine::contains).toList();
    assertEquals(List.of(mine.get(2), mine.get(1), mine.get(0)), mineAsListed);
    assertEquals(seen.size(), seen.stream().distinct().count(), "no graph on two pages");
  }

  @Test
  void listingRejectsUnknownStatusNamingTheAllowedOnes() throws Exception {
    TestClient.Reply reply = client.get("/api/v1/graphs?status=done");

    assertEquals(400, reply.status());
    assertEquals("invalid_request", reply.error().get("code"));
    String message = (String) reply.error().get("message");
    for (String status : List.of("pending", "running", "completed", "failed", "cancelled")) {
      assertTrue(message.contains(status), message);
    }
  }

  @Test
  void listingRejectsLimitOutOfRange() throws Exception {
    assertEquals(400, client.get("/api/v1/graphs?limit=0").status());
    assertEquals(400, client.get("/api/v1/graphs?limit=1001").status());
    assertEquals(200, client.get("/api/v1/graphs?limit=1000").status());
  }

  @Test
  void eventsAreInOrderAndFilteredByAfter() throws Exception {
    String id = (String) client.postJson("/api/v1/graphs", EXAMPLE).body().get("id");
    awaitFinished(id);

    TestClient.Reply all = client.get("/api/v1/graphs/" + id + "/events");

    assertEquals(200, all.status());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events = (List<Map<String, Object>>) all.body().get("events");
    assertEquals("GraphSubmitted", events.get(0).get("type"));
    assertEquals("GraphCompleted", events.get(events.size() - 1).get("type"));
    for (int i = 0; i < events.size(); i++) {
      Map<String, Object> event = events.get(i);
      assertEquals(i + 1, number(event.get("seq")));
      assertEquals(id, event.get("graph_id"));
      assertNotNull(Instant.parse((String) event.get("time")));
      assertEquals(((String) event.get("type")).startsWith("Node"), event.containsKey("node_id"), event.toString());
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> later = (List<Map<String, Object>>) client.get("/api/v1/graphs/" + id
        + "/events?after=2").body().get("events");
    assertEquals(events.size() - 2, later.size());
    assertEquals(3L, number(later.get(0).get("seq")));
    assertEquals(400, client.get("/api/v1/graphs/" + id + "/events?after=-1").status());
    assertEquals(400, client.get("/api/v1/graphs/" + id + "/events?after=x").status());
  }

  @Test
  void cancelOfAFinishedGraphIs409WithItsStatus() throws Exception {
    String id = (String) client.postJson("/api/v1/graphs", graphNamed("finished")).body().get("id");
    awaitFinished(id);

    TestClient.Reply reply = client.postEmpty("/api/v1/graphs/" + id + "/cancel");

    assertEquals(409, reply.status());
    assertEquals("conflict", reply.error().get("code"));
    assertEquals("completed", reply.error().get("status"));
    assertTrue(((String) reply.error().get("message")).contains("completed"));
  }

  @Test
  void cancelOfARunningGraphAnswersItsCancelledState() throws Exception {
    String id = (String) client.postJson("/api/v1/graphs", EXAMPLE).body().get("id");

    TestClient.Reply reply = client.postEmpty("/api/v1/graphs/" + id + "/cancel");

    assertEquals(200, reply.status());
    assertEquals(id, reply.body().get("id"));
    assertEquals("cancelled", awaitFinished(id).get("status"));
  }

  @Test
  void longPollWithoutWaitAnswersAtOnceAndRejectsWaitOverSixty() throws Exception {
    String id = (String) client.postJson("/api/v1/graphs", EXAMPLE).body().get("id");

    TestClient.Reply now = client.get("/api/v1/graphs/" + id);

    assertEquals(200, now.status());
    assertNotEquals(null, now.body().get("status"));
    assertEquals(400, client.get("/api/v1/graphs/" + id + "?wait=61").status());
    awaitFinished(id);
  }

  @Test
  void healthIs200WithComponents() throws Exception {
    TestClient.Reply reply = client.get("/health");

    assertEquals(200, reply.status());
    assertEquals(List.of("status", "components"), List.copyOf(reply.body().keySet()));
    assertEquals("ok", reply.body().get("status"));
    @SuppressWarnings("unchecked")
    Map<String, Object> components = (Map<String, Object>) reply.body().get("components");
    assertFalse(components.isEmpty());
  }
}
