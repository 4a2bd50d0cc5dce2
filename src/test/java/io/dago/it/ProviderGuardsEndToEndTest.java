package io.dago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.Reply;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The circuit breaker and the adaptive concurrency limit around the model provider, end to end: dago on free ports
 * calling a fake Anthropic server that fails, hangs and throttles on purpose.
 */
class ProviderGuardsEndToEndTest {
  private static final String PROVIDER = "{provider=\"anthropic\"";

  private FakeAnthropicServer anthropic;
  private Dago dago;
  private TestClient client;

  private void start(String... variables) {
    anthropic = FakeAnthropicServer.start();
    List<String> env = new ArrayList<>(List.of("LLM_API_KEY", "sk-ant-test-guards", "LLM_BASE_URL",
        anthropic.baseUrl().toString()));
    env.addAll(List.of(variables));
    dago = Dago.start(TestConfigs.embedded(env.toArray(String[]::new)));
    client = new TestClient(dago.httpPort());
  }

  @AfterEach
  void stop() {
    if (dago != null) {
      dago.close();
    }
    if (anthropic != null) {
      anthropic.close();
    }
  }

  @Test
  void graphsCompleteAgainstAProviderThatFailsHalfItsCallsAndTheRetriesAndBreakerShowInMetrics() throws Exception {
    int workers = 8;
    start("WORKER_POOL_SIZE", Integer.toString(workers), "LLM_BREAKER_FAILURES", "5", "LLM_BREAKER_OPEN_SECONDS", "1");
    SplittableRandom random = new SplittableRandom(20260101);
    AtomicInteger calls = new AtomicInteger();
    anthropic.respondWith(request -> {
      // The first calls meet an outage, so the breaker opens at least once whatever the order of the rest.
      if (calls.incrementAndGet() <= workers) {
        return Reply.error(529, "overloaded_error", "Overloaded");
      }
      double roll;
      synchronized (random) {
        roll = random.nextDouble();
      }
      if (roll < 0.12) {
        return Reply.error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit");
      } else if (roll < 0.25) {
        return Reply.error(529, "overloaded_error", "Overloaded");
      } else if (roll < 0.45) {
        return Reply.error(500, "api_error", "Internal server error");
      } else if (roll < 0.50) {
        return Reply.hang();
      }
      return Reply.delayed(Duration.ofMillis((long) (roll * 20)), Reply.text("ok: " + request.lastUserMessage()));
    });
    String retry = "\"timeout_seconds\": 1, \"retry\": {\"max_attempts\": 100, \"initial_backoff_ms\": 10,"
        + " \"max_backoff_ms\": 200}";
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(submit("""
          {"name": "flaky-%d", "nodes": [
            {"id": "a", "prompt": "a%d", %s},
            {"id": "b", "depends_on": ["a"], "prompt": "b {{nodes.a.output}}", %s},
            {"id": "c", "prompt": "c%d", %s}]}""".formatted(i, i, retry, retry, i, retry)));
    }

    for (String id : ids) {
      Map<String, Object> graph = awaitEnd(id, Duration.ofSeconds(120));
      assertEquals("completed", graph.get("status"), "graph " + id + ": " + graph);
    }
    assertEquals("ok: b ok: a7", node(client.get("/api/v1/graphs/" + ids.get(7)).body(), 1).get("output"));
    Map<String, Double> metrics = scrape();
    assertTrue(metric(metrics, "dago_node_retries_total{code=\"rate_limited\"}") > 0, "429s were retried");
    assertTrue(metric(metrics, "dago_node_retries_total{code=\"overloaded\"}") > 0, "529s were retried");
    assertTrue(metric(metrics, "dago_node_retries_total{code=\"api_error\"}") > 0, "500s were retried");
    assertTrue(metric(metrics, "dago_node_retries_total{code=\"timeout\"}") > 0, "hangs timed out and were retried");
    assertTrue(metric(metrics, "dago_llm_breaker_transitions_total" + PROVIDER + ",to=\"open\"}") >= 1);
    assertTrue(metric(metrics, "dago_llm_breaker_transitions_total" + PROVIDER + ",to=\"half_open\"}") >= 1);
    assertTrue(metric(metrics, "dago_llm_breaker_transitions_total" + PROVIDER + ",to=\"closed\"}") >= 1);
    assertTrue(metric(metrics, "dago_nodes_postponed_total{reason=\"breaker_open\"}") > 0,
        "nodes waited for the breaker");
    assertEquals(90, metric(metrics, "dago_nodes_finished_total{status=\"completed\"}"));
    assertEquals(0, metric(metrics, "dago_llm_requests_in_flight" + PROVIDER + "}"));
  }

  @Test
  void whileTheProviderIsDownTheBreakerOpensAndNodesWaitWithoutSpendingAttemptsThenAProbeLetsThemFinish()
      throws Exception {
    start("WORKER_POOL_SIZE", "4", "LLM_BREAKER_FAILURES", "3", "LLM_BREAKER_OPEN_SECONDS", "4");
    AtomicBoolean down = new AtomicBoolean(true);
    anthropic.respondWith(request -> down.get()
        ? Reply.error(529, "overloaded_error", "Overloaded")
        : Reply.text("back: " + request.lastUserMessage()));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(submit("""
          {"nodes": [{"id": "only", "prompt": "p%d",
            "retry": {"max_attempts": 50, "initial_backoff_ms": 0, "max_backoff_ms": 0}}]}""".formatted(i)));
    }

    Map<String, Object> llm = awaitBreaker("open");
    assertEquals("degraded", llm.get("status"));
    assertTrue(((Number) llm.get("consecutive_failures")).intValue() >= 3);
    TestClient.Reply health = client.get("/health");
    assertEquals(200, health.status(), "an open breaker degrades the instance, it does not take it down");
    assertEquals("degraded", health.body().get("status"));
    Thread.sleep(300);
    Map<String, Integer> attemptsWhenOpen = attempts(ids);
    int requestsWhenOpen = anthropic.requests().size();

    Thread.sleep(1500);

    assertEquals(attemptsWhenOpen, attempts(ids), "no attempt began while the breaker was open");
    assertEquals(requestsWhenOpen, anthropic.requests().size(), "no call reached the provider");
    assertEquals("open", awaitBreaker("open").get("breaker"));
    assertTrue(metric(scrape(), "dago_nodes_postponed_total{reason=\"breaker_open\"}") > 0);
    assertEquals(1, metric(scrape(), "dago_llm_breaker_state" + PROVIDER + "}"));

    down.set(false);

    for (String id : ids) {
      Map<String, Object> graph = awaitEnd(id, Duration.ofSeconds(30));
      assertEquals("completed", graph.get("status"));
      assertEquals(attemptsWhenOpen.get(id) + 1, ((Number) node(graph, 0).get("attempts")).intValue(),
          "one more attempt after the provider came back: the one that succeeded");
    }
    assertEquals(requestsWhenOpen + ids.size(), anthropic.requests().size(), "a probe, then one call per node");
    assertEquals("closed", awaitBreaker("closed").get("breaker"));
    Map<String, Double> metrics = scrape();
    assertEquals(0, metric(metrics, "dago_llm_breaker_state" + PROVIDER + "}"));
    assertEquals(1, metric(metrics, "dago_llm_breaker_transitions_total" + PROVIDER + ",to=\"open\"}"));
    assertEquals(1, metric(metrics, "dago_llm_breaker_transitions_total" + PROVIDER + ",to=\"half_open\"}"));
    assertEquals(1, metric(metrics, "dago_llm_breaker_transitions_total" + PROVIDER + ",to=\"closed\"}"));
  }

  @Test
  void noMoreCallsThanTheConcurrencyLimitReachTheProviderAndA429LowersTheLimit() throws Exception {
    start("WORKER_POOL_SIZE", "10", "LLM_MAX_CONCURRENCY", "3");
    anthropic.respondWith(request -> Reply.delayed(Duration.ofMillis(200), Reply.text("slow: "
        + request.lastUserMessage())));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"a%d\"}, {\"id\": \"b\", \"prompt\": \"b%d\"}]}"
          .formatted(i, i)));
    }
    for (String id : ids) {
      assertEquals("completed", awaitEnd(id, Duration.ofSeconds(30)).get("status"));
    }
    assertEquals(3, anthropic.maxInFlight(), "the limit, and it was reached");
    assertEquals(3, metric(scrape(), "dago_llm_concurrency_limit" + PROVIDER + "}"));

    anthropic.enqueue(Reply.error(429, "rate_limit_error", "slow down"), Reply.error(429, "rate_limit_error", "slow"));
    String throttled = submit("""
        {"nodes": [{"id": "a", "prompt": "a", "retry": {"max_attempts": 3, "initial_backoff_ms": 0}},
          {"id": "b", "prompt": "b", "retry": {"max_attempts": 3, "initial_backoff_ms": 0}},
          {"id": "c", "prompt": "c", "retry": {"max_attempts": 3, "initial_backoff_ms": 0}}]}""");

    assertEquals("completed", awaitEnd(throttled, Duration.ofSeconds(30)).get("status"));
    Map<String, Double> metrics = scrape();
    assertEquals(1, metric(metrics, "dago_llm_concurrency_limit" + PROVIDER + "}"),
        "halved once (3 -> 1) by the two 429s of calls in flight together, not yet grown back");
    assertEquals(2, metric(metrics, "dago_node_retries_total{code=\"rate_limited\"}"));
    assertEquals(0, metric(metrics, "dago_llm_requests_in_flight" + PROVIDER + "}"));
    assertEquals(0, metric(metrics, "dago_llm_breaker_state" + PROVIDER + "}"), "two 429s do not open the breaker");
    assertTrue(anthropic.maxInFlight() <= 3);
  }

  private String submit(String graph) throws Exception {
    TestClient.Reply reply = client.postJson("/api/v1/graphs", graph);
    assertEquals(202, reply.status(), reply.raw().body());
    return (String) reply.body().get("id");
  }

  private Map<String, Object> awaitEnd(String id, Duration within) throws Exception {
    long giveUp = System.nanoTime() + within.toNanos();
    while (true) {
      Map<String, Object> graph = client.get("/api/v1/graphs/" + id + "?wait=10").body();
      if (List.of("completed", "failed", "cancelled").contains(graph.get("status"))
          || System.nanoTime() > giveUp) {
        return graph;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> node(Map<String, Object> graph, int index) {
    return ((List<Map<String, Object>>) graph.get("nodes")).get(index);
  }

  private Map<String, Integer> attempts(List<String> ids) throws Exception {
    Map<String, Integer> attempts = new HashMap<>();
    for (String id : ids) {
      attempts.put(id, ((Number) node(client.get("/api/v1/graphs/" + id).body(), 0).get("attempts")).intValue());
    }
    return attempts;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> awaitBreaker(String state) throws Exception {
    long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      Map<String, Object> llm = (Map<String, Object>) ((Map<String, Object>) client.get("/health").body()
          .get("components")).get("llm");
      if (state.equals(llm.get("breaker")) || System.nanoTime() > giveUp) {
        assertEquals(state, llm.get("breaker"), "the llm component of /health: " + llm);
        return llm;
      }
      Thread.sleep(20);
    }
  }

  /** Every sample of a scrape, by its series as written ({@code name{labels}}). */
  private Map<String, Double> scrape() throws Exception {
    return scrape(dago.httpPort());
  }

  static Map<String, Double> scrape(int httpPort) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return parse(response.body());
  }

  static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return samples;
  }

  static double metric(Map<String, Double> samples, String series) {
    Double value = samples.get(series);
    assertTrue(value != null, "no sample " + series + " among " + samples.keySet());
    return value;
  }
}
