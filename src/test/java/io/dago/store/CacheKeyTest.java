package io.dago.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.LlmRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
  private static final LlmRequest BASE = new LlmRequest("claude-x", "be brief", "summarise tides", 200, 0.2,
      "graph-1", "node-a", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

  private static CacheKey key(LlmRequest request) {
    return CacheKey.of("anthropic", request);
  }

  @Test
  void isTheSha256HexOfTheRequest() {
    CacheKey key = key(BASE);

    assertEquals(64, key.hex().length());
    assertTrue(key.hex().matches("[0-9a-f]{64}"), key.hex());
    assertEquals(key, key(BASE), "the same request must give the same key every time");
  }

  @Test
  void graphIdNodeIdAndTraceparentDoNotChangeTheKey() {
    LlmRequest elsewhere = new LlmRequest(BASE.model(), BASE.system(), BASE.prompt(), BASE.maxTokens(),
        BASE.temperature(), "graph-2", "node-b", null);

    assertEquals(key(BASE), key(elsewhere));
  }

  @Test
  void anyDifferenceInWhatShapesTheReplyChangesTheKey() {
    List<CacheKey> variants = List.of(
        key(BASE),
        CacheKey.of("echo", BASE),
        key(new LlmRequest("claude-y", BASE.system(), BASE.prompt(), 200, 0.2, null, null, null)),
        key(new LlmRequest("claude-x", "be terse", BASE.prompt(), 200, 0.2, null, null, null)),
        key(new LlmRequest("claude-x", BASE.system(), "summarise waves", 200, 0.2, null, null, null)),
        key(new LlmRequest("claude-x", BASE.system(), BASE.prompt(), 201, 0.2, null, null, null)),
        key(new LlmRequest("claude-x", BASE.system(), BASE.prompt(), 200, 0.3, null, null, null)),
        key(new LlmRequest("claude-x", BASE.system(), BASE.prompt(), 200, null, null, null, null)));

    assertEquals(variants.size(), Set.copyOf(variants).size(), variants.toString());
  }

  @Test
  void aNullSystemPromptDiffersFromAnEmptyOne() {
    assertNotEquals(key(new LlmRequest("m", null, "p", 1, null, null, null, null)),
        key(new LlmRequest("m", "", "p", 1, null, null, null, null)));
  }

  @Test
  void textCannotRunFromOneFieldIntoTheNext() {
    Set<CacheKey> keys = new HashSet<>();
    keys.add(key(new LlmRequest("m", "ab", "c", 1, null, null, null, null)));
    keys.add(key(new LlmRequest("m", "a", "bc", 1, null, null, null, null)));
    keys.add(key(new LlmRequest("m", null, "abc", 1, null, null, null, null)));
    keys.add(key(new LlmRequest("ma", "b", "c", 1, null, null, null, null)));
    keys.add(CacheKey.of("anthropicm", new LlmRequest("", "b", "c", 1, null, null, null, null)));
    keys.add(CacheKey.of("anthropic", new LlmRequest("m", "b", "c", 1, null, null, null, null)));

    assertEquals(6, keys.size());
  }

  @Test
  void negativeZeroTemperatureIsTheSameRequestAsZero() {
    assertEquals(key(new LlmRequest("m", null, "p", 1, 0.0, null, null, null)),
        key(new LlmRequest("m", null, "p", 1, -0.0, null, null, null)));
  }

  @Test
  void aKeyThatIsNotA64DigitLowercaseHexIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CacheKey("ABC"));
    assertEquals("a cache key is 64 lowercase hex digits, got 'ABC'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CacheKey("A".repeat(64)));
    assertThrows(IllegalArgumentException.class, () -> new CacheKey(null));
  }
}
