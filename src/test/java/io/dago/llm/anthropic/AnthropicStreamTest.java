package io.dago.llm.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.LlmException;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.Reply;
import io.dago.testing.FakeAnthropicServer.Sse;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnthropicStreamTest {
  private static final String KEY = "sk-ant-test-SECRET-0123456789";

  private FakeAnthropicServer fake;
  private HttpClient http;
  private AnthropicProvider provider;
  private final List<String> pieces = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    fake = FakeAnthropicServer.start();
    http = HttpClient.newHttpClient();
    provider = new AnthropicProvider(http, fake.baseUrl(), KEY,
        Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
  }

  @AfterEach
  void stop() {
    fake.close();
    http.close();
  }

  private static LlmRequest request(String prompt) {
    return new LlmRequest("claude-test", null, prompt, 256, null, "g1", "n1", null);
  }

  private LlmException failure(Reply reply) {
    fake.enqueue(reply);
    return assertThrows(LlmException.class, () -> provider.stream(request("hi"), pieces::add));
  }

  @Test
  void textDeltasReachTheSinkInOrderAndTheResponseHasTheWholeMessage() throws Exception {
    fake.enqueue(Reply.stream("Hel", "lo", ", world"));

    LlmResponse response = provider.stream(request("greet"), pieces::add);

    assertEquals(List.of("Hel", "lo", ", world"), pieces);
    assertEquals("Hello, world", response.text());
    assertEquals("end_turn", response.stopReason());
    assertEquals(new Usage(2, 3), response.usage());
    assertEquals(true, fake.lastRequest().json().get("stream"));
  }

  @Test
  void piecesArriveWhileTheStreamIsStillComing() throws Exception {
    fake.enqueue(Reply.stream("first ", "second").withEventDelay(Duration.ofMillis(300)));
    CountDownLatch firstPiece = new CountDownLatch(1);
    CompletableFuture<LlmResponse> call = CompletableFuture.supplyAsync(() -> {
      try {
        return provider.stream(request("hi"), piece -> {
          pieces.add(piece);
          firstPiece.countDown();
        });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    assertTrue(firstPiece.await(5, TimeUnit.SECONDS));
    assertFalse(call.isDone(), "the first piece should come long before the stream ends");
    assertEquals("first second", call.get(10, TimeUnit.SECONDS).text());
  }

  @Test
  void overloadedErrorEventIsRetryableLikeA529() {
    LlmException e = failure(Reply.events(Sse.messageStart(5), Sse.blockStart(), Sse.textDelta("par"),
        Sse.error("overloaded_error", "Overloaded")));

    assertEquals("overloaded", e.code());
    assertTrue(e.retryable());
    assertEquals(529, e.httpStatus());
    assertTrue(e.getMessage().contains("overloaded_error: Overloaded"), e.getMessage());
    assertEquals(List.of("par"), pieces);
  }

  @Test
  void invalidRequestErrorEventIsNotRetryable() {
    LlmException e = failure(Reply.events(Sse.error("invalid_request_error", "prompt is too long")));

    assertEquals("invalid_request", e.code());
    assertFalse(e.retryable());
  }

  @Test
  void streamEndingWithoutMessageStopIsARetryableInterruption() {
    LlmException e = failure(Reply.events(Sse.messageStart(5), Sse.blockStart(), Sse.textDelta("half an ans")));

    assertEquals("stream_interrupted", e.code());
    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("ended before message_stop after 11 characters"), e.getMessage());
  }

  @Test
  void streamCutOffMidwayIsARetryableInterruption() {
    LlmException e = failure(Reply.stream("one ", "two ", "three").cutAfter(3));

    assertEquals("stream_interrupted", e.code());
    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("broke off"), e.getMessage());
    assertFalse(e.getMessage().contains(KEY));
  }

  @Test
  void errorStatusBeforeTheStreamIsMappedAsForACompleteCall() {
    LlmException e = failure(Reply.error(429, "rate_limit_error", "slow down").withHeader("retry-after", "2"));

    assertEquals("rate_limited", e.code());
    assertEquals(Duration.ofSeconds(2), e.retryAfter());
  }

  @Test
  void interruptAbortsTheStreamAndThrowsPromptly() throws Exception {
    String[] many = new String[200];
    java.util.Arrays.fill(many, "word ");
    fake.enqueue(Reply.stream(many).withEventDelay(Duration.ofMillis(20)));
    CountDownLatch firstPiece = new CountDownLatch(1);
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        provider.stream(request("hi"), piece -> firstPiece.countDown());
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.complete(t);
      }
    });
    assertTrue(firstPiece.await(5, TimeUnit.SECONDS));

    caller.interrupt();

    assertInstanceOf(InterruptedException.class, outcome.get(5, TimeUnit.SECONDS));
    assertTrue(fake.awaitAborted(Duration.ofSeconds(5)), "the fake never saw the stream aborted");
  }
}
