package io.dago.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ReplyCache} does, run against each implementation by a subclass. Keys are made from a fresh
 * random prompt, so that a shared Redis holds nothing under them already; {@link #written} lists them for cleanup.
 */
public abstract class ReplyCacheContract {
  protected static final Duration MINUTE = Duration.ofMinutes(1);

  /** The cache under test, empty of every key {@link #newKey} makes. */
  protected abstract ReplyCache cache();

  /** Called with each key a test writes, for implementations that must clean up after themselves. */
  protected void written(CacheKey key) {}

  protected CacheKey newKey() {
    CacheKey key = CacheKey.of("echo", new LlmRequest("m", null, "contract " + UUID.randomUUID(), 64, null,
        null, null, null));
    written(key);
    return key;
  }

  @Test
  public void aKeyNeverStoredIsAMiss() {
    assertEquals(Optional.empty(), cache().get(newKey()));
  }

  @Test
  public void aStoredReplyComesBackEqual() {
    CacheKey key = newKey();
    LlmResponse reply = new LlmResponse("Tides rise — twice a day. \"Quoted\" \\ 🌊\n", new Usage(12, 34),
        "end_turn");

    cache().put(key, reply, MINUTE);

    assertEquals(Optional.of(reply), cache().get(key));
    assertEquals(Optional.of(reply), cache().get(key), "a hit does not consume the reply");
  }

  @Test
  public void aReplyWithoutStopReasonAndEmptyTextComesBackEqual() {
    CacheKey key = newKey();
    LlmResponse reply = new LlmResponse("", Usage.ZERO, null);

    cache().put(key, reply, MINUTE);

    assertEquals(Optional.of(reply), cache().get(key));
  }

  @Test
  public void aSecondPutReplacesTheFirst() {
    CacheKey key = newKey();
    cache().put(key, new LlmResponse("first", new Usage(1, 1), "end_turn"), MINUTE);
    LlmResponse second = new LlmResponse("second", new Usage(2, 2), "max_tokens");

    cache().put(key, second, MINUTE);

    assertEquals(Optional.of(second), cache().get(key));
  }

  @Test
  public void repliesUnderDifferentKeysAreKeptApart() {
    CacheKey a = newKey();
    CacheKey b = newKey();
    cache().put(a, new LlmResponse("a", new Usage(1, 1), "end_turn"), MINUTE);
    cache().put(b, new LlmResponse("b", new Usage(2, 2), "end_turn"), MINUTE);

    assertEquals("a", cache().get(a).orElseThrow().text());
    assertEquals("b", cache().get(b).orElseThrow().text());
  }

  @Test
  public void aTtlThatIsNotPositiveIsRefused() {
    CacheKey key = newKey();
    LlmResponse reply = new LlmResponse("x", Usage.ZERO, "end_turn");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> cache().put(key, reply, Duration.ZERO));
    assertEquals("a cached reply needs a positive TTL, got PT0S", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> cache().put(key, reply, Duration.ofSeconds(-1)));
    assertEquals(Optional.empty(), cache().get(key));
  }
}
