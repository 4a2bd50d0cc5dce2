package io.dago.llm.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.LlmException;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.RecordedRequest;
import io.dago.testing.FakeAnthropicServer.Reply;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnthropicProviderTest {
  private static final String KEY = "sk-ant-test-SECRET-0123456789";
  private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

  private FakeAnthropicServer fake;
  private HttpClient http;
  private AnthropicProvider provider;

  @BeforeEach
  void start() {
    fake = FakeAnthropicServer.start();
    http = HttpClient.newHttpClient();
    provider = new AnthropicProvider(http, fake.baseUrl(), KEY, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void stop() {
    // The fake first: HttpClient.close() waits for exchanges in flight, and a hanging one ends only with the fake.
    fake.close();
    http.close();
  }

  private static LlmRequest request(String prompt) {
    return new LlmRequest("claude-test", null, prompt, 256, null, "g1", "n1", null);
  }

  private LlmException failure(Reply reply) {
    fake.enqueue(reply);
    return assertThrows(LlmException.class, () -> provider.complete(request("hi")));
  }

  @Test
  void postsToMessagesWithKeyVersionAndContentType() throws Exception {
    provider.complete(request("hello"));

    RecordedRequest sent = fake.lastRequest();
    assertEquals("POST", sent.method());
    assertEquals("/v1/messages", sent.path());
    assertEquals(KEY, sent.header("x-api-key"));
    assertEquals("2023-06-01", sent.header("anthropic-version"));
    assertEquals("application/json", sent.header("content-type"));
  }

  @Test
  void bodyHasModelMaxTokensAndOneUserMessageButNoOptionalFields() throws Exception {
    provider.complete(request("hello"));

    Map<String, Object> body = fake.lastRequest().json();
    assertEquals("claude-test", body.get("model"));
    assertEquals(256, ((Number) body.get("max_tokens")).intValue());
    assertEquals(List.of(Map.of("role", "user", "content", "hello")), body.get("messages"));
    assertFalse(body.containsKey("temperature"));
    assertFalse(body.containsKey("system"));
  }

  @Test
  void bodyCarriesSystemAndTemperatureWhenGiven() throws Exception {
    provider.complete(new LlmRequest("claude-test", "Be brief.", "hello", 64, 0.2, "g1", "n1", null));

    Map<String, Object> body = fake.lastRequest().json();
    assertEquals("Be brief.", body.get("system"));
    assertEquals(0.2, ((Number) body.get("temperature")).doubleValue());
  }

  @Test
  void trailingSlashOnTheBaseUrlIsTolerated() throws Exception {
    AnthropicProvider slashed = new AnthropicProvider(http, URI.create(fake.baseUrl() + "/"), KEY);

    slashed.complete(request("hello"));

    assertEquals("/v1/messages", fake.lastRequest().path());
  }

  @Test
  void returnsTextUsageAndStopReason() throws Exception {
    LlmResponse response = provider.complete(request("hello"));

    assertEquals("claude: hello", response.text());
    assertEquals(new Usage(2, 4), response.usage());
    assertEquals("end_turn", response.stopReason());
  }

  @Test
  void joinsTextBlocksAndSkipsOtherBlocks() throws Exception {
    fake.enqueue(Reply.json(200, Map.of(
        "type", "message",
        "content", List.of(
            Map.of("type", "thinking", "thinking", "hmm"),
            Map.of("type", "text", "text", "Hello, "),
            Map.of("type", "tool_use", "id", "t1", "name", "x", "input", Map.of()),
            Map.of("type", "text", "text", "world")),
        "stop_reason", "max_tokens",
        "usage", Map.of("input_tokens", 12, "output_tokens", 34))));

    LlmResponse response = provider.complete(request("hi"));

    assertEquals("Hello, world", response.text());
    assertEquals(new Usage(12, 34), response.usage());
    assertEquals("max_tokens", response.stopReason());
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @CsvSource({
      "408, timeout_error, request_timeout, true",
      "429, rate_limit_error, rate_limited, true",
      "500, api_error, api_error, true",
      "502, api_error, api_unavailable, true",
      "503, api_error, api_unavailable, true",
      "504, timeout_error, api_unavailable, true",
      "529, overloaded_error, overloaded, true",
      "501, api_error, api_error, true",
      "400, invalid_request_error, invalid_request, false",
      "401, authentication_error, authentication_failed, false",
      "403, permission_error, permission_denied, false",
      "404, not_found_error, not_found, false",
      "413, request_too_large, request_too_large, false",
      "402, billing_error, request_rejected, false",
      "409, conflict_error, request_rejected, false",
  })
  void errorStatusMapsToCodeAndRetryability(int status, String apiType, String code, boolean retryable) {
    LlmException e = failure(Reply.error(status, apiType, "details for " + status));

    assertEquals(code, e.code());
    assertEquals(retryable, e.retryable());
    assertEquals(status, e.httpStatus());
    assertTrue(e.getMessage().startsWith("anthropic " + status + " " + apiType + ": details for " + status),
        e.getMessage());
    assertFalse(e.getMessage().contains(KEY));
  }

  @Test
  void errorMessageQuotesTheApiTypeMessageAndRequestId() {
    LlmException e = failure(Reply.error(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit"));

    assertEquals("anthropic 429 rate_limit_error: Number of request tokens has exceeded your rate limit"
        + " (request_id req_fake_429)", e.getMessage());
  }

  @Test
  void authenticationFailureTellsToCheckLlmApiKey() {
    LlmException e = failure(Reply.error(401, "authentication_error", "invalid x-api-key"));

    assertTrue(e.getMessage().contains("check LLM_API_KEY"), e.getMessage());
  }

  @Test
  void notFoundNamesTheModel() {
    LlmException e = failure(Reply.error(404, "not_found_error", "model: claude-test"));

    assertTrue(e.getMessage().contains("\"claude-test\""), e.getMessage());
  }

  @Test
  void nonJsonErrorBodyIsQuotedShortened() {
    LlmException e = failure(Reply.raw(502, "<html><body>Bad Gateway</body></html>" + "x".repeat(5000)));

    assertEquals("api_unavailable", e.code());
    assertTrue(e.getMessage().startsWith("anthropic 502: the error body is not JSON: <html><body>Bad Gateway"),
        e.getMessage());
    assertTrue(e.getMessage().length() < 300, e.getMessage());
  }

  @Test
  void emptyErrorBodyIsSaidToBeEmpty() {
    LlmException e = failure(Reply.raw(503, ""));

    assertEquals("anthropic 503: empty error body", e.getMessage());
  }

  @Test
  void jsonErrorBodyOfAnotherShapeIsQuoted() {
    LlmException e = failure(Reply.json(500, Map.of("detail", "boom")));

    assertEquals("anthropic 500: unexpected error body: {\"detail\":\"boom\"}", e.getMessage());
  }

  @Test
  void retryAfterSecondsBecomeTheDelay() {
    LlmException e = failure(Reply.error(429, "rate_limit_error", "slow down").withHeader("retry-after", "7"));

    assertEquals(Duration.ofSeconds(7), e.retryAfter());
  }

  @Test
  void fractionalRetryAfterIsKept() {
    LlmException e = failure(Reply.error(529, "overloaded_error", "Overloaded").withHeader("retry-after", "1.5"));

    assertEquals(Duration.ofMillis(1500), e.retryAfter());
  }

  @Test
  void retryAfterHttpDateBecomesTheDelayFromNow() {
    LlmException e = failure(Reply.error(503, "api_error", "busy")
        .withHeader("retry-after", "Wed, 01 Jan 2025 00:00:30 GMT"));

    assertEquals(Duration.ofSeconds(30), e.retryAfter());
  }

  @Test
  void noRetryAfterHeaderMeansNoDelay() {
    assertNull(failure(Reply.error(529, "overloaded_error", "Overloaded")).retryAfter());
  }

  @Test
  void okWithUnparsableBodyIsRetryableInvalidResponse() {
    LlmException e = failure(Reply.raw(200, "definitely not json"));

    assertEquals("invalid_response", e.code());
    assertTrue(e.retryable());
    assertEquals(200, e.httpStatus());
    assertTrue(e.getMessage().contains("definitely not json"), e.getMessage());
  }

  @Test
  void okWithoutContentArrayIsInvalidResponse() {
    assertEquals("invalid_response", failure(Reply.json(200, Map.of("type", "message"))).code());
  }

  @Test
  void refusedConnectionIsRetryableAndNamesHostAndPort() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    AnthropicProvider unreachable = new AnthropicProvider(http, URI.create("http://127.0.0.1:" + closedPort), KEY);

    LlmException e = assertThrows(LlmException.class, () -> unreachable.complete(request("hi")));

    assertEquals("connection_error", e.code());
    assertTrue(e.retryable());
    assertEquals(0, e.httpStatus());
    assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
    assertFalse(e.getMessage().contains(KEY));
  }

  @Test
  void interruptDuringAHangingRequestAbortsItAndThrowsPromptly() throws Exception {
    fake.enqueue(Reply.hang());
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        provider.complete(request("hi"));
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.complete(t);
      }
    });
    assertTrue(fake.awaitRequests(1, Duration.ofSeconds(5)));
    Thread.sleep(50);
    long interrupted = System.nanoTime();

    caller.interrupt();

    assertInstanceOf(InterruptedException.class, outcome.get(5, TimeUnit.SECONDS));
    // Generous for a loaded CI box; without the abort the call would never return at all.
    assertTrue(System.nanoTime() - interrupted < TimeUnit.SECONDS.toNanos(2), "not prompt");
    assertTrue(fake.awaitAborted(Duration.ofSeconds(5)), "the fake never saw the request aborted");
  }

  @Test
  void keyNeverAppearsInAnyErrorMessage() throws Exception {
    List<Reply> replies = List.of(
        Reply.error(400, "invalid_request_error", "bad key " + KEY),
        Reply.error(401, "authentication_error", "invalid x-api-key " + KEY),
        Reply.error(403, "permission_error", KEY),
        Reply.error(404, "not_found_error", KEY),
        Reply.error(408, "timeout_error", KEY),
        Reply.error(413, "request_too_large", KEY),
        Reply.error(429, "rate_limit_error", KEY),
        Reply.error(500, "api_error", KEY),
        Reply.error(502, "api_error", KEY),
        Reply.error(503, "api_error", KEY),
        Reply.error(504, "api_error", KEY),
        Reply.error(529, "overloaded_error", KEY),
        Reply.raw(502, "proxy saw x-api-key: " + KEY),
        Reply.raw(200, "garbled " + KEY),
        Reply.json(500, Map.of("echo", KEY)));
    List<String> messages = new ArrayList<>();
    for (Reply reply : replies) {
      messages.add(failure(reply).getMessage());
    }
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    messages.add(assertThrows(LlmException.class,
        () -> new AnthropicProvider(http, URI.create("http://127.0.0.1:" + closedPort), KEY).complete(request("hi")))
        .getMessage());
    messages.add(assertThrows(IllegalArgumentException.class,
        () -> new AnthropicProvider(http, URI.create("relative/path"), KEY)).getMessage());

    for (String message : messages) {
      assertFalse(message.contains(KEY), message);
      assertFalse(message.contains("SECRET"), message);
    }
  }

  @Test
  void blankKeyIsRejectedPointingAtLlmApiKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AnthropicProvider(http, fake.baseUrl(), " "));

    assertTrue(e.getMessage().contains("LLM_API_KEY"), e.getMessage());
  }

  @Test
  void logsOneDebugLinePerCallWithoutKeyOrPrompt() throws Exception {
    Logger logger = Logger.getLogger(AnthropicProvider.class.getName());
    List<LogRecord> records = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Level previous = logger.getLevel();
    logger.setLevel(Level.FINE);
    logger.addHandler(capture);
    try {
      provider.complete(request("a confidential prompt"));
      fake.enqueue(Reply.error(429, "rate_limit_error", "slow down"));
      assertThrows(LlmException.class, () -> provider.complete(request("a confidential prompt")));
    } finally {
      logger.removeHandler(capture);
      logger.setLevel(previous);
    }

    assertEquals(2, records.size());
    String ok = records.get(0).getMessage();
    assertEquals(Level.FINE, records.get(0).getLevel());
    assertTrue(ok.contains("model=claude-test") && ok.contains("prompt_chars=21") && ok.contains("status=200")
        && ok.contains("latency_ms=") && ok.contains("input_tokens=6") && ok.contains("output_tokens=8"), ok);
    assertTrue(records.get(1).getMessage().contains("status=429 outcome=rate_limited"), records.get(1).getMessage());
    for (LogRecord record : records) {
      assertFalse(record.getMessage().contains(KEY), record.getMessage());
      assertFalse(record.getMessage().contains("confidential"), record.getMessage());
    }
  }

  @Test
  void nameIsAnthropic() {
    assertEquals("anthropic", provider.name());
  }
}
