package io.dago.metrics;

import io.dago.testing.TestConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.json.Json;
import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.Reply;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole of dago behind its HTTP API, calling a fake Anthropic server, scraped after a workload with every kind
 * of outcome: graphs that complete, a node that is retried after a 429, one that fails with a 400, a graph
 * cancelled while its call hangs, a request for a path no route has, and two gRPC health checks. Each step waits for the previous one, so
 * the counts are exact.
 */
class MetricsEndToEndTest {
  private static final String MODEL = "claude-test-1";
  private static final int FAN_OUT_GRAPHS = 5;
  private static final String FAN_OUT = """
      {"name":"fan-out","input":{"topic":"tides"},"nodes":[
        {"id":"outline","model":"%s","prompt":"Outline {{input.topic}}."},
        {"id":"intro","model":"%s","depends_on":["outline"],"prompt":"Intro for {{nodes.outline.output}}"},
        {"id":"facts","model":"%s","depends_on":["outline"],"prompt":"Facts for {{nodes.outline.output}}"}]}
      """.formatted(MODEL, MODEL, MODEL);
  private static final String ONE_NODE = """
      {"name":"one","nodes":[{"id":"only","model":"%s","prompt":"Say hello.",
        "retry":{"max_attempts":2,"initial_backoff_ms":0}}]}
      """.formatted(MODEL);

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static FakeAnthropicServer anthropic;
  private static Dago dago;
  private static final List<String> graphIds = new ArrayList<>();
  private static HttpResponse<String> metricsResponse;
  private static Exposition scrape;
  private static int followedFrames;

  @BeforeAll
  static void runWorkloadThenScrape() throws Exception {
    anthropic = FakeAnthropicServer.start();
    dago = Dago.start(TestConfigs.embedded("WORKER_POOL_SIZE", "4",
        "LLM_PROVIDER", "anthropic", "LLM_API_KEY", "test-key", "LLM_BASE_URL", anthropic.baseUrl().toString()));

    List<String> fanOut = new ArrayList<>();
    for (int i = 0; i < FAN_OUT_GRAPHS; i++) {
      fanOut.add(submit(FAN_OUT));
    }
    for (String id : fanOut) {
      assertEquals("completed", awaitFinished(id));
    }

    anthropic.enqueue(Reply.error(429, "rate_limit_error", "slow down").withHeader("retry-after", "0"));
    assertEquals("completed", awaitFinished(submit(ONE_NODE)));

    anthropic.enqueue(Reply.error(400, "invalid_request_error", "prompt is malformed"));
    assertEquals("failed", awaitFinished(submit(ONE_NODE)));

    anthropic.enqueue(Reply.hang());
    int before = anthropic.requests().size();
    String hanging = submit(ONE_NODE);
    assertTrue(anthropic.awaitRequests(before + 1, Duration.ofSeconds(10)), "the hanging call was never made");
    assertEquals(200, send(request("/api/v1/graphs/" + hanging + "/cancel")
        .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode());
    assertEquals("cancelled", awaitFinished(hanging));

    assertEquals(404, send(request("/no/such/route/" + hanging).GET().build()).statusCode());
    checkHealthOverGrpc();
    followedFrames = followOverWebSocket(fanOut.get(0));

    metricsResponse = scrapeOnceTheWorkersAreIdle();
    scrape = Exposition.parse(metricsResponse.body());
  }

  /** Reads a finished graph's events over WebSocket until the server closes; returns the frames received. */
  private static int followOverWebSocket(String graphId) throws Exception {
    AtomicInteger frames = new AtomicInteger();
    CompletableFuture<Integer> closed = new CompletableFuture<>();
    HTTP.newWebSocketBuilder().buildAsync(
        URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/graphs/" + graphId + "/events"),
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            if (last) {
              frames.incrementAndGet();
            }
            socket.request(1);
            return null;
          }

          @Override
          public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
            closed.complete(status);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    assertEquals(1000, closed.get(10, TimeUnit.SECONDS));
    return frames.get();
  }

  @AfterAll
  static void stop() {
    if (dago != null) {
      dago.close();
    }
    if (anthropic != null) {
      anthropic.close();
    }
  }

  @Test
  void metricsAreServedAsPrometheusTextVersion004() {
    assertEquals(200, metricsResponse.statusCode());
    assertEquals("text/plain; version=0.0.4; charset=utf-8",
        metricsResponse.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void graphCountsMatchTheWorkload() {
    assertEquals(FAN_OUT_GRAPHS + 3, scrape.value("dago_graphs_submitted_total"));
    assertEquals(FAN_OUT_GRAPHS + 1, scrape.value("dago_graphs_finished_total{status=\"completed\"}"));
    assertEquals(1, scrape.value("dago_graphs_finished_total{status=\"failed\"}"));
    assertEquals(1, scrape.value("dago_graphs_finished_total{status=\"cancelled\"}"));
    assertEquals(0, scrape.value("dago_graphs_running"));
    assertEquals(FAN_OUT_GRAPHS + 3, scrape.value("dago_events_published_total{type=\"GraphSubmitted\"}"));
    assertEquals(1, scrape.value("dago_events_published_total{type=\"NodeRetrying\"}"));
  }

  @Test
  void webSocketConnectionsAndFramesAreCounted() {
    assertEquals(2 + 3 * 2 + 1, followedFrames, "GraphSubmitted, GraphStarted, 3 nodes started and completed, done");
    assertEquals(1, scrape.value("dago_websocket_connections_opened_total"));
    assertEquals(followedFrames, scrape.value("dago_websocket_messages_sent_total"));
    assertTrue(scrape.value("dago_websocket_sent_bytes_total") > 0);
    assertEquals(0, scrape.value("dago_websocket_slow_client_closes_total"));
  }

  @Test
  void nodeCountsAndHistogramsMatchTheWorkload() {
    int completed = FAN_OUT_GRAPHS * 3 + 1;
    assertEquals(completed, scrape.value("dago_nodes_finished_total{status=\"completed\"}"));
    assertEquals(1, scrape.value("dago_nodes_finished_total{status=\"failed\"}"));
    assertEquals(1, scrape.value("dago_nodes_finished_total{status=\"cancelled\"}"));
    assertEquals(0, scrape.value("dago_nodes_finished_total{status=\"skipped\"}"));
    assertEquals(1, scrape.value("dago_node_retries_total{code=\"rate_limited\"}"));
    // Every attempt waited in the queue and ran on a worker once: the completed ones, the retried one's first
    // attempt, the failed one and the cancelled one.
    int attempts = completed + 3;
    assertEquals(attempts, scrape.value("dago_node_queue_wait_seconds_count"));
    assertEquals(attempts, scrape.value("dago_node_queue_wait_seconds_bucket{le=\"+Inf\"}"));
    assertEquals(attempts, scrape.value("dago_node_execution_seconds_count"));
    assertTrue(scrape.value("dago_node_execution_seconds_sum") > 0);
  }

  @Test
  void llmCallsAreCountedByProviderModelAndOutcome() {
    String series = "{provider=\"anthropic\",model=\"" + MODEL + "\"}";
    // The cancelled call is not a measurement of the provider, so it is left out.
    assertEquals(FAN_OUT_GRAPHS * 3 + 1 + 2, scrape.value("dago_llm_request_duration_seconds_count" + series));
    assertEquals(1, scrape.value("dago_llm_errors_total{provider=\"anthropic\",model=\"" + MODEL
        + "\",code=\"rate_limited\",status=\"429\"}"));
    assertEquals(1, scrape.value("dago_llm_errors_total{provider=\"anthropic\",model=\"" + MODEL
        + "\",code=\"invalid_request\",status=\"400\"}"));
    assertTrue(scrape.value("dago_llm_tokens_total{provider=\"anthropic\",model=\"" + MODEL
        + "\",direction=\"input\"}") > 0);
    assertTrue(scrape.value("dago_llm_tokens_total{provider=\"anthropic\",model=\"" + MODEL
        + "\",direction=\"output\"}") > 0);
  }

  @Test
  void workerGaugesDescribeTheIdlePool() {
    assertEquals(4, scrape.value("dago_worker_pool_size"));
    assertEquals(0, scrape.value("dago_worker_pool_busy"));
    assertEquals(0, scrape.value("dago_worker_pool_utilisation_ratio"));
    assertEquals(0, scrape.value("dago_ready_queue_length"));
  }

  @Test
  void httpRequestsAreCountedByRouteTemplateNeverByRawPath() {
    assertEquals(FAN_OUT_GRAPHS + 3,
        scrape.value("dago_http_requests_total{route=\"/api/v1/graphs\",method=\"POST\",status=\"202\"}"));
    assertEquals(1,
        scrape.value("dago_http_requests_total{route=\"/api/v1/graphs/{id}/cancel\",method=\"POST\",status=\"200\"}"));
    assertEquals(1, scrape.value("dago_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"));
    assertEquals(FAN_OUT_GRAPHS + 3,
        scrape.value("dago_http_request_duration_seconds_count{route=\"/api/v1/graphs\",method=\"POST\"}"));
    assertTrue(scrape.value("dago_http_request_duration_seconds_count{route=\"/api/v1/graphs/{id}\",method=\"GET\"}")
        >= FAN_OUT_GRAPHS + 3);
  }

  @Test
  void grpcCallsAreCountedByMethodAndCode() {
    assertEquals(1, scrape.value("dago_grpc_calls_total{method=\"grpc.health.v1.Health/Check\",code=\"OK\"}"));
    assertEquals(1,
        scrape.value("dago_grpc_calls_total{method=\"grpc.health.v1.Health/Check\",code=\"NOT_FOUND\"}"));
  }

  @Test
  void noLabelCarriesAGraphId() {
    assertFalse(graphIds.isEmpty());
    for (String id : graphIds) {
      assertFalse(scrape.text().contains(id), "the scrape names graph " + id);
    }
  }

  @Test
  void processAndJvmFamiliesAreThere() {
    List<String> families = scrape.families();
    for (String family : List.of("process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
        "process_max_fds", "process_start_time_seconds", "jvm_memory_used_bytes", "jvm_memory_committed_bytes",
        "jvm_threads_current", "jvm_threads_daemon", "jvm_gc_collections_total", "jvm_gc_collection_seconds_total")) {
      assertTrue(families.contains(family), family + " is missing from " + families);
    }
    assertTrue(scrape.value("jvm_memory_used_bytes{area=\"heap\"}") > 0);
  }

  @Test
  void promtoolFindsNothingWrongWithTheScrape() throws Exception {
    Promtool.Result result = Promtool.checkMetrics(metricsResponse.body());

    assertEquals("", result.output(), "promtool check metrics complained");
    assertEquals(0, result.exitCode());
  }

  private static void checkHealthOverGrpc() throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
    try {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
      health.check(HealthCheckRequest.getDefaultInstance());
      assertThrows(StatusRuntimeException.class,
          () -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static String submit(String graph) throws IOException, InterruptedException {
    HttpResponse<String> response = send(request("/api/v1/graphs").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(graph)).build());
    assertEquals(202, response.statusCode(), response.body());
    String id = (String) Json.parseObject(response.body().getBytes()).get("id");
    graphIds.add(id);
    return id;
  }

  /** Long-polls the graph until it has finished; its final status. */
  private static String awaitFinished(String id) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      HttpResponse<String> response = send(request("/api/v1/graphs/" + id + "?wait=10").GET().build());
      assertEquals(200, response.statusCode(), response.body());
      Map<String, Object> graph = Json.parseObject(response.body().getBytes());
      String status = (String) graph.get("status");
      if (List.of("completed", "failed", "cancelled").contains(status)) {
        return status;
      }
      assertTrue(System.nanoTime() < deadline, "graph " + id + " is still " + status);
    }
  }

  /**
   * A graph reads as finished as soon as its state says so, a moment before its worker has returned; the node
   * histograms are complete only once every worker has.
   */
  private static HttpResponse<String> scrapeOnceTheWorkersAreIdle() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      HttpResponse<String> response = send(request("/metrics").GET().build());
      Exposition scrape = Exposition.parse(response.body());
      if (scrape.value("dago_worker_pool_busy") == 0) {
        return response;
      }
      assertTrue(System.nanoTime() < deadline, "workers still busy:\n" + response.body());
      Thread.sleep(20);
    }
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
  }

  private static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
