package io.dago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.Reply;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * dago as users run it against Claude: the whole server on a free port, driven over HTTP, calling a fake
 * Anthropic server that answers the way the real Messages API does, errors included.
 */
class AnthropicEndToEndTest {
  private static final String API_KEY = "sk-ant-test-0123456789-secret";

  private FakeAnthropicServer anthropic;
  private Dago dago;
  private TestClient client;

  @BeforeEach
  void start() {
    anthropic = FakeAnthropicServer.start();
    dago = Dago.start(TestConfigs.embedded("LLM_API_KEY", API_KEY, "LLM_BASE_URL", anthropic.baseUrl().toString(),
        "DAGO_DEFAULT_MODEL", "claude-test-default"));
    client = new TestClient(dago.httpPort());
  }

  @AfterEach
  void stop() {
    anthropic.close();
    dago.close();
  }

  private String submit(String graph) throws Exception {
    TestClient.Reply reply = client.postJson("/api/v1/graphs", graph);
    assertEquals(202, reply.status(), reply.raw().body());
    return (String) reply.body().get("id");
  }

  private Map<String, Object> awaitEnd(String id) throws Exception {
    Map<String, Object> graph = client.get("/api/v1/graphs/" + id + "?wait=20").body();
    assertTrue(List.of("completed", "failed", "cancelled").contains(graph.get("status")), "still " + graph.get("status"));
    return graph;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> node(Map<String, Object> graph, int index) {
    return ((List<Map<String, Object>>) graph.get("nodes")).get(index);
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> events(String id, String type) throws Exception {
    List<Map<String, Object>> all = (List<Map<String, Object>>) client.get("/api/v1/graphs/" + id + "/events").body()
        .get("events");
    return all.stream().filter(e -> type.equals(e.get("type"))).toList();
  }

  @Test
  void aGraphRunsOnClaudeWithTheMessagesApiRequestShape() throws Exception {
    String id = submit("""
        {"input": {"topic": "tide pools"}, "nodes": [
          {"id": "outline", "system": "You are an editor.", "prompt": "Outline {{input.topic}}.", "max_tokens": 800,
           "temperature": 0.2, "model": "claude-haiku-4-5"},
          {"id": "intro", "depends_on": ["outline"], "prompt": "Intro for: {{nodes.outline.output}}"}]}""");
    Map<String, Object> graph = awaitEnd(id);

    assertEquals("completed", graph.get("status"));
    assertEquals("claude: Intro for: claude: Outline tide pools.", node(graph, 1).get("output"));
    assertEquals("end_turn", node(graph, 0).get("stop_reason"));
    FakeAnthropicServer.RecordedRequest first = anthropic.requests().get(0);
    assertEquals("/v1/messages", first.path());
    assertEquals(API_KEY, first.header("x-api-key"));
    assertEquals("2023-06-01", first.header("anthropic-version"));
    assertEquals("claude-haiku-4-5", first.json().get("model"));
    assertEquals(800, ((Number) first.json().get("max_tokens")).intValue());
    assertEquals("You are an editor.", first.json().get("system"));
    assertEquals(0.2, ((Number) first.json().get("temperature")).doubleValue());
    assertEquals(List.of(Map.of("role", "user", "content", "Outline tide pools.")), first.json().get("messages"));
    FakeAnthropicServer.RecordedRequest second = anthropic.requests().get(1);
    assertEquals("claude-test-default", second.json().get("model"));
    assertFalse(second.json().containsKey("temperature"));
    assertFalse(second.json().containsKey("system"));
  }

  @Test
  void theSubmittersTraceFollowsTheGraphIntoItsEventsAndEveryModelCall() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    TestClient.Reply submitted = client.postJson("/api/v1/graphs",
        "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}, {\"id\": \"b\", \"depends_on\": [\"a\"], \"prompt\": \"q\"}]}",
        "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");
    String id = (String) submitted.body().get("id");
    Map<String, Object> graph = awaitEnd(id);

    assertEquals(traceId, graph.get("trace_id"));
    assertTrue(events(id, "NodeCompleted").stream().allMatch(e -> traceId.equals(e.get("trace_id"))));
    List<String> sent = anthropic.requests().stream().map(r -> r.header("traceparent")).toList();
    assertEquals(2, sent.size());
    for (String traceparent : sent) {
      assertTrue(traceparent.matches("00-" + traceId + "-[0-9a-f]{16}-01"), traceparent);
      assertFalse(traceparent.contains("00f067aa0ba902b7"), "each call is a child span, not the submitter's");
    }
    assertFalse(sent.get(0).equals(sent.get(1)), "each call has its own span");
  }

  @Test
  void aGraphSubmittedWithoutATraceparentStartsItsOwnTrace() throws Exception {
    Map<String, Object> graph = awaitEnd(submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}]}"));
    String traceId = (String) graph.get("trace_id");
    assertTrue(traceId.matches("[0-9a-f]{32}"), traceId);
    assertTrue(anthropic.lastRequest().header("traceparent").startsWith("00-" + traceId + "-"));
  }

  @Test
  void aRateLimitIsRetriedAfterTheRetryAfterDelay() throws Exception {
    anthropic.enqueue(Reply.error(429, "rate_limit_error", "slow down").withHeader("retry-after", "0.3"));
    String id = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\", \"retry\": {\"initial_backoff_ms\": 1, \"max_backoff_ms\": 2}}]}");
    Map<String, Object> graph = awaitEnd(id);

    assertEquals("completed", graph.get("status"));
    assertEquals(2, ((Number) node(graph, 0).get("attempts")).intValue());
    Map<String, Object> retry = events(id, "NodeRetrying").get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> data = (Map<String, Object>) retry.get("data");
    assertTrue(((Number) data.get("delay_ms")).longValue() >= 300, "retry-after honoured: " + data);
    assertEquals("rate_limited", ((Map<?, ?>) data.get("error")).get("code"));
  }

  @Test
  void overloadedAndServerErrorsAreRetriedUntilTheCallSucceeds() throws Exception {
    anthropic.enqueue(Reply.error(529, "overloaded_error", "Overloaded"), Reply.error(500, "api_error", "oops"));
    String id = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\", \"retry\": {\"max_attempts\": 3, \"initial_backoff_ms\": 5, \"max_backoff_ms\": 10}}]}");
    Map<String, Object> graph = awaitEnd(id);

    assertEquals("completed", graph.get("status"));
    assertEquals(3, ((Number) node(graph, 0).get("attempts")).intValue());
    assertEquals(List.of("overloaded", "api_error"), events(id, "NodeRetrying").stream()
        .map(e -> ((Map<?, ?>) ((Map<?, ?>) e.get("data")).get("error")).get("code")).toList());
  }

  @Test
  void aRejectedKeyFailsAtOnceAndSaysWhatToCheckWithoutTheKey() throws Exception {
    anthropic.respondWith(request -> Reply.error(401, "authentication_error", "invalid x-api-key"));
    String id = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}, {\"id\": \"b\", \"depends_on\": [\"a\"], \"prompt\": \"q\"}]}");
    Map<String, Object> graph = awaitEnd(id);

    assertEquals("failed", graph.get("status"));
    assertEquals(1, anthropic.requests().size(), "not retried");
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) node(graph, 0).get("error");
    assertEquals("authentication_failed", error.get("code"));
    assertEquals(false, error.get("retryable"));
    assertTrue(((String) error.get("message")).contains("check LLM_API_KEY"));
    assertEquals("skipped", node(graph, 1).get("status"));
    String everything = client.get("/api/v1/graphs/" + id).raw().body()
        + client.get("/api/v1/graphs/" + id + "/events").raw().body();
    assertFalse(everything.contains(API_KEY), "the key leaked into the API");
  }

  @Test
  void aSlowReplyHitsTheAttemptTimeoutAndTheRequestIsAborted() throws Exception {
    anthropic.enqueue(Reply.delayed(Duration.ofSeconds(30), Reply.text("too late")));
    long started = System.nanoTime();
    String id = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\", \"timeout_seconds\": 1, \"retry\": {\"max_attempts\": 1}}]}");
    Map<String, Object> graph = awaitEnd(id);
    long tookMs = (System.nanoTime() - started) / 1_000_000;

    assertEquals("failed", graph.get("status"));
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) node(graph, 0).get("error");
    assertEquals("timeout", error.get("code"));
    assertTrue(tookMs < 5_000, "took " + tookMs + " ms");
    assertTrue(anthropic.awaitAborted(Duration.ofSeconds(2)), "the slow request was aborted, not left to finish");
  }

  @Test
  void cancellingMidRequestAbortsTheCallAndCancelsTheGraphWithinASecond() throws Exception {
    anthropic.enqueue(Reply.hang());
    String id = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}, {\"id\": \"b\", \"depends_on\": [\"a\"], \"prompt\": \"q\"}]}");
    assertTrue(anthropic.awaitRequests(1, Duration.ofSeconds(5)));

    long started = System.nanoTime();
    TestClient.Reply cancelled = client.postEmpty("/api/v1/graphs/" + id + "/cancel");
    assertEquals(200, cancelled.status());
    assertEquals("cancelled", cancelled.body().get("status"));
    assertTrue(anthropic.awaitAborted(Duration.ofSeconds(1)), "the HTTP request to the provider was aborted");
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(tookMs < 1_000, "took " + tookMs + " ms");
    Map<String, Object> graph = client.get("/api/v1/graphs/" + id).body();
    assertEquals("cancelled", node(graph, 0).get("status"));
    assertEquals("cancelled", node(graph, 1).get("status"));
    assertNotNull(graph.get("finished_at"));
    assertEquals(1, events(id, "GraphCancelled").size());
  }
}
