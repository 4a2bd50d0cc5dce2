package io.dago.llm.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EchoProviderTest {
  private static LlmRequest request(String system, String prompt) {
    return new LlmRequest("echo-1", system, prompt, 100, null, "g1", "n1", null);
  }

  @Test
  void repliesWithThePromptPrefixedByEcho() throws Exception {
    LlmResponse response = new EchoProvider(Duration.ZERO).complete(request(null, "Summarise: cats"));

    assertEquals("echo: Summarise: cats", response.text());
    assertEquals("end_turn", response.stopReason());
  }

  @Test
  void systemPromptDoesNotChangeTheReplyText() throws Exception {
    LlmResponse response = new EchoProvider(Duration.ZERO).complete(request("You are terse.", "hi"));

    assertEquals("echo: hi", response.text());
  }

  @Test
  void sameRequestGivesTheSameResponse() throws Exception {
    EchoProvider echo = new EchoProvider(Duration.ZERO);

    assertEquals(echo.complete(request("s", "p")), echo.complete(request("s", "p")));
  }

  @Test
  void usageIsAboutFourCharactersATokenRoundedUp() throws Exception {
    // system 4 chars + prompt 5 chars = 9 -> 3 tokens; reply "echo: hello" 11 chars -> 3 tokens
    Usage usage = new EchoProvider(Duration.ZERO).complete(request("abcd", "hello")).usage();

    assertEquals(new Usage(3, 3), usage);
  }

  @Test
  void usageIsAtLeastOneTokenEachWay() throws Exception {
    Usage usage = new EchoProvider(Duration.ZERO).complete(request(null, "")).usage();

    assertEquals(new Usage(1, 2), usage);
    assertEquals(1, EchoProvider.estimateTokens(0));
  }

  @Test
  void waitsForTheConfiguredLatency() throws Exception {
    EchoProvider echo = new EchoProvider(Duration.ofMillis(120));
    long started = System.nanoTime();

    echo.complete(request(null, "x"));

    assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(120));
  }

  @Test
  void interruptDuringLatencyThrowsInterruptedExceptionAtOnce() throws Exception {
    EchoProvider echo = new EchoProvider(Duration.ofMinutes(5));
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        echo.complete(request(null, "x"));
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.complete(t);
      }
    });
    Thread.sleep(50);
    long interrupted = System.nanoTime();

    caller.interrupt();

    assertInstanceOf(InterruptedException.class, outcome.get(2, TimeUnit.SECONDS));
    // Generous for a loaded CI box; uninterrupted, the call would take five minutes.
    assertTrue(System.nanoTime() - interrupted < TimeUnit.SECONDS.toNanos(2));
  }

  @Test
  void zeroLatencyStillHonoursAPendingInterrupt() {
    EchoProvider echo = new EchoProvider(Duration.ZERO);
    Thread.currentThread().interrupt();

    assertThrows(InterruptedException.class, () -> echo.complete(request(null, "x")));
    assertFalse(Thread.currentThread().isInterrupted());
  }

  @Test
  void negativeLatencyIsRejectedWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EchoProvider(Duration.ofMillis(-1)));

    assertTrue(e.getMessage().contains("PT-0.001S"), e.getMessage());
  }

  @Test
  void streamingHandsOverTheReplyWordByWord() throws Exception {
    List<String> words = new ArrayList<>();

    LlmResponse response = new EchoProvider(Duration.ZERO).stream(request(null, "tide  pools\nat dusk"), words::add);

    assertEquals(List.of("echo: ", "tide  ", "pools\n", "at ", "dusk"), words);
    assertEquals(String.join("", words), response.text());
    assertEquals(new EchoProvider(Duration.ZERO).complete(request(null, "tide  pools\nat dusk")), response);
  }

  @Test
  void streamingSpreadsTheLatencyOverTheWords() throws Exception {
    List<Long> arrivals = new ArrayList<>();
    long start = System.nanoTime();

    new EchoProvider(Duration.ofMillis(200)).stream(request(null, "one two three"), w -> arrivals.add(System.nanoTime()));

    assertEquals(4, arrivals.size());
    assertTrue(arrivals.get(0) - start >= TimeUnit.MILLISECONDS.toNanos(45), "the first word came too soon");
    assertTrue(arrivals.get(3) - start >= TimeUnit.MILLISECONDS.toNanos(195), "the reply came too soon");
  }

  @Test
  void nameIsEcho() {
    assertEquals("echo", new EchoProvider(Duration.ZERO).name());
  }
}
