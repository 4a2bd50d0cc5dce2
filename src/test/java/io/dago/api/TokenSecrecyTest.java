package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.ListGraphsRequest;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.WatchGraphRequest;
import io.dago.json.Json;
import io.dago.testing.TestConfigs;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * A whole run with tokens and a rate limit on, over all three APIs, refusals and errors included, with dago's
 * loggers at debug: no token, right or wrong, and no token digest may appear in any log line, answer or metric.
 */
class TokenSecrecyTest {
  private static final String TOKEN = "secrecy-token-A-0123456789";
  private static final String OTHER_TOKEN = "secrecy-token-B-abcdefghij";
  private static final String WRONG_TOKEN = "secrecy-token-W-9876543210";
  private static final String GRAPH = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}]}";

  /** Everything a client or an operator could read: answers, close reasons, statuses, scrapes. */
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  private int httpCall(Dago dago, String method, String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + path))
        .header("Content-Type", "application/json")
        .method(method, method.equals("POST")
            ? HttpRequest.BodyPublishers.ofString(GRAPH) : HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    seen.add(response.statusCode() + " " + response.headers().map() + " " + response.body());
    return response.statusCode();
  }

  /** Connects, and returns once the server closed the connection or a second passed. */
  private void webSocket(Dago dago, String path, String authorization) throws Exception {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    WebSocket.Builder builder = http.newWebSocketBuilder();
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    WebSocket socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + dago.wsPort() + path),
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            seen.add(data.toString());
            webSocket.request(1);
            return null;
          }

          @Override
          public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            seen.add(statusCode + " " + reason);
            closed.complete(null);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    try {
      closed.get(1, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      socket.abort();
    }
  }

  private void grpcCalls(Dago dago, String token) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
    try {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      OrchestratorGrpc.OrchestratorBlockingStub stub = OrchestratorGrpc.newBlockingStub(
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)))
          .withDeadlineAfter(20, TimeUnit.SECONDS);
      List<Runnable> calls = List.of(
          () -> seen.add(stub.submitGraph(SubmitGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
              .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("hi"))).build()).toString()),
          () -> seen.add(stub.listGraphs(ListGraphsRequest.getDefaultInstance()).toString()),
          () -> seen.add(stub.getGraph(GetGraphRequest.newBuilder().setGraphId("no-such-graph").build()).toString()),
          () -> stub.watchGraph(WatchGraphRequest.newBuilder().setGraphId("no-such-graph").build())
              .forEachRemaining(event -> seen.add(event.toString())));
      for (Runnable call : calls) {
        try {
          call.run();
        } catch (StatusRuntimeException e) {
          seen.add(e.getStatus() + " " + e.getTrailers());
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void noTokenOrTokenDigest_appearsInLogsAnswersOrMetrics() throws Exception {
    List<String> logs = new CopyOnWriteArrayList<>();
    SimpleFormatter formatter = new SimpleFormatter();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        logs.add(formatter.format(record));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    capture.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    Logger dagoLogger = Logger.getLogger("io.dago");
    Level before = dagoLogger.getLevel();
    // What LOG_LEVEL=debug does: dago's own loggers at debug, libraries at info.
    dagoLogger.setLevel(Level.FINE);
    root.addHandler(capture);
    try {
      try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN + "," + OTHER_TOKEN,
          "DAGO_METRICS_AUTH", "true", "DAGO_RATE_LIMIT", "1", "DAGO_RATE_BURST", "40"))) {
        String bearer = "Bearer " + TOKEN;
        String wrong = "Bearer " + WRONG_TOKEN;
        assertEquals(202, httpCall(dago, "POST", "/api/v1/graphs", bearer));
        httpCall(dago, "GET", "/api/v1/graphs", bearer);
        httpCall(dago, "GET", "/api/v1/graphs/no-such-graph", bearer);
        httpCall(dago, "GET", "/api/v1/graphs?status=bogus", bearer);
        httpCall(dago, "POST", "/api/v1/graphs/validate", bearer);
        httpCall(dago, "DELETE", "/api/v1/graphs", bearer);
        httpCall(dago, "GET", "/api/v1/graphs", wrong);
        httpCall(dago, "GET", "/api/v1/graphs", WRONG_TOKEN);
        httpCall(dago, "GET", "/nowhere", null);
        httpCall(dago, "GET", "/health", bearer);
        HttpResponse<byte[]> submitted = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + dago.httpPort() + "/api/v1/graphs"))
            .header("Authorization", bearer).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(GRAPH)).build(), HttpResponse.BodyHandlers.ofByteArray());
        seen.add(new String(submitted.body(), StandardCharsets.UTF_8));
        String id = (String) Json.parseObject(submitted.body()).get("id");
        String encoded = URLEncoder.encode(TOKEN, StandardCharsets.UTF_8);
        webSocket(dago, "/api/v1/graphs/" + id + "/events?token=" + encoded, null);
        webSocket(dago, "/api/v1/events?token=" + URLEncoder.encode(WRONG_TOKEN, StandardCharsets.UTF_8), null);
        webSocket(dago, "/api/v1/events?type=Bogus&token=" + encoded, null);
        webSocket(dago, "/api/v1/graphs/no-such-graph/events?token=" + encoded, null);
        webSocket(dago, "/api/v1/events?bogus=1&token=" + encoded, null);
        webSocket(dago, "/api/v1/events", wrong);
        webSocket(dago, "/api/v1/graphs/" + id + "/events", bearer);
        grpcCalls(dago, TOKEN);
        grpcCalls(dago, WRONG_TOKEN);
        int status = 0;
        for (int i = 0; i < 100 && status != 429; i++) {
          status = httpCall(dago, "GET", "/api/v1/graphs?limit=1", "Bearer " + OTHER_TOKEN);
        }
        assertEquals(429, status, "the run includes rate limiting");
        grpcCalls(dago, OTHER_TOKEN);
        webSocket(dago, "/api/v1/events", "Bearer " + OTHER_TOKEN);
        httpCall(dago, "GET", "/metrics", bearer);
      }
    } finally {
      root.removeHandler(capture);
      dagoLogger.setLevel(before);
    }

    String metrics = seen.stream().filter(s -> s.contains("dago_api_rejected_total")).findFirst().orElseThrow();
    assertTrue(metrics.contains("reason=\"rate_limited\"} 1"), metrics);
    assertFalse(logs.isEmpty());
    List<String> secrets = new ArrayList<>();
    for (String token : List.of(TOKEN, OTHER_TOKEN, WRONG_TOKEN)) {
      secrets.add(token);
      secrets.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8))));
    }
    for (String secret : secrets) {
      for (String line : logs) {
        assertFalse(line.contains(secret), "a log line holds a secret: " + line);
      }
      for (String answer : seen) {
        assertFalse(answer.contains(secret), "an answer holds a secret: " + answer);
      }
    }
  }
}
