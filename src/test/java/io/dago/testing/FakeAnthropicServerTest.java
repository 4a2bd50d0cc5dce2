package io.dago.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.json.Json;
import io.dago.testing.FakeAnthropicServer.Reply;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FakeAnthropicServerTest {
  private static final String BODY = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";

  private final FakeAnthropicServer fake = FakeAnthropicServer.start();
  // HTTP/1.1: over plain http the default client first tries an h2c upgrade, and requests to the same server wait
  // while one is pending, which a hanging reply keeps pending for good.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    // The fake first: HttpClient.close() waits for exchanges in flight, and a hanging one ends only with the fake.
    fake.close();
    http.close();
  }

  private HttpRequest.Builder post(String path) {
    return HttpRequest.newBuilder(fake.baseUrl().resolve(path)).POST(HttpRequest.BodyPublishers.ofString(BODY));
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> sendMessage() throws Exception {
    return send(post("/v1/messages").header("x-api-key", "k").header("anthropic-version", "2023-06-01").build());
  }

  @Test
  void defaultReplyEchoesTheLastUserMessageWithUsage() throws Exception {
    HttpResponse<String> response = sendMessage();

    assertEquals(200, response.statusCode());
    Map<String, Object> message = Json.parseObject(response.body().getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(Map.of("type", "text", "text", "claude: ping")), message.get("content"));
    assertEquals("end_turn", message.get("stop_reason"));
    assertEquals("m", message.get("model"));
    assertEquals(Map.of("input_tokens", 1, "output_tokens", 3), message.get("usage"));
  }

  @Test
  void defaultReplyRefusesARequestWithoutKeyLikeTheRealApi() throws Exception {
    HttpResponse<String> response = send(post("/v1/messages").build());

    assertEquals(401, response.statusCode());
    assertTrue(response.body().contains("\"authentication_error\""), response.body());
  }

  @Test
  void scriptedRepliesAreUsedInOrderThenTheDefault() throws Exception {
    fake.enqueue(Reply.error(529, "overloaded_error", "Overloaded"), Reply.text("second"));

    assertEquals(529, sendMessage().statusCode());
    assertTrue(sendMessage().body().contains("\"second\""));
    assertTrue(sendMessage().body().contains("claude: ping"));
  }

  @Test
  void errorReplyHasTheApiErrorShapeAndExtraHeaders() throws Exception {
    fake.enqueue(Reply.error(429, "rate_limit_error", "slow down").withHeader("retry-after", "3"));

    HttpResponse<String> response = sendMessage();

    assertEquals("3", response.headers().firstValue("retry-after").orElseThrow());
    assertEquals(Map.of("type", "error", "error", Map.of("type", "rate_limit_error", "message", "slow down"),
        "request_id", "req_fake_429"), Json.parseObject(response.body().getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void recordsMethodPathHeadersAndParsedBody() throws Exception {
    sendMessage();

    FakeAnthropicServer.RecordedRequest recorded = fake.lastRequest();
    assertEquals("POST", recorded.method());
    assertEquals("/v1/messages", recorded.path());
    assertEquals("k", recorded.header("X-API-KEY"));
    assertEquals(BODY, recorded.body());
    assertEquals("ping", recorded.lastUserMessage());
    assertEquals(1, fake.requests().size());
  }

  @Test
  void delayedReplyArrivesAfterTheDelayIntact() throws Exception {
    fake.enqueue(Reply.delayed(Duration.ofMillis(150), Reply.error(503, "api_error", "later")));
    long started = System.nanoTime();

    HttpResponse<String> response = sendMessage();

    assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(150));
    assertEquals(503, response.statusCode());
    assertEquals("later", ((Map<?, ?>) Json.parseObject(response.body().getBytes(StandardCharsets.UTF_8))
        .get("error")).get("message"));
  }

  @Test
  void hangingReplyCountsTheClientClosingTheConnectionAsAnAbort() throws Exception {
    fake.enqueue(Reply.hang());
    try (Socket socket = new Socket(fake.baseUrl().getHost(), fake.baseUrl().getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: " + BODY.length() + "\r\n\r\n" + BODY)
          .getBytes(StandardCharsets.UTF_8));
      out.flush();
      assertTrue(fake.awaitRequests(1, Duration.ofSeconds(5)));
      assertEquals(0, fake.abortedRequests());
    }

    assertTrue(fake.awaitAborted(Duration.ofSeconds(5)));
  }

  @Test
  void hangingRequestsDoNotHoldUpOthers() throws Exception {
    fake.enqueue(Reply.hang());
    CompletableFuture<HttpResponse<String>> hanging =
        http.sendAsync(post("/v1/messages").build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(fake.awaitRequests(1, Duration.ofSeconds(5)));

    assertEquals(200, sendMessage().statusCode());
    assertFalse(hanging.isDone());
    hanging.cancel(true);
  }

  @Test
  void answeredRequestsAndServerShutdownAreNotCountedAsAborts() throws Exception {
    sendMessage();
    fake.enqueue(Reply.hang());
    CompletableFuture<HttpResponse<String>> hanging =
        http.sendAsync(post("/v1/messages").build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(fake.awaitRequests(2, Duration.ofSeconds(5)));

    fake.close();

    assertTrue(hanging.handle((r, e) -> true).get(5, TimeUnit.SECONDS));
    assertFalse(fake.awaitAborted(Duration.ofMillis(200)));
  }
}
