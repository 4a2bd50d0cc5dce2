package io.dago.it.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.RedisServer;
import io.dago.testing.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reply cache across instances: in Redis mode a reply stored by one instance spares the other the model call;
 * {@code DAGO_CACHE_TTL} puts every node on the cache. The embedded mode does the same within its one instance.
 * Every test asks a prompt of its own, so the fake provider's request count for it is that test's alone.
 */
class CacheInRedisModeTest {
  private static RedisServer redis;
  private static FakeAnthropicServer anthropic;

  @BeforeAll
  static void start() {
    redis = RedisServer.builder().start();
    anthropic = FakeAnthropicServer.start();
  }

  @AfterAll
  static void stop() {
    try {
      if (anthropic != null) {
        anthropic.close();
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Test
  void aNodeWithCacheOnReusesTheReplyAnotherInstanceStored() throws Exception {
    String prompt = uniquePrompt();
    Map<String, Object> first;
    try (Instance a = redisInstance(1, "a")) {
      first = onlyNode(a.awaitEnd(a.submit(graph(prompt, true))));
      // b starts once a has stopped, so the second graph surely runs on another instance than the first.
      try (Instance b = redisInstance(1, "b")) {
        a.close();
        Map<String, Object> second = onlyNode(b.awaitEnd(b.submit(graph(prompt, true))));

        assertRanThenCached(prompt, first, second);
      }
    }
  }

  @Test
  void withCacheTtlSetNodesWithoutTheFlagAreCachedAcrossInstances() throws Exception {
    String prompt = uniquePrompt();
    try (Instance a = redisInstance(2, "a", "DAGO_CACHE_TTL", "10m")) {
      Map<String, Object> first = onlyNode(a.awaitEnd(a.submit(graph(prompt, false))));
      try (Instance b = redisInstance(2, "b", "DAGO_CACHE_TTL", "10m")) {
        a.close();
        Map<String, Object> second = onlyNode(b.awaitEnd(b.submit(graph(prompt, false))));

        assertRanThenCached(prompt, first, second);
      }
    }
  }

  @Test
  void withoutTheFlagOrACacheTtlEveryGraphCallsTheModel() throws Exception {
    String prompt = uniquePrompt();
    try (TwoInstances pair = TwoInstances.start(redis, 3, anthropicVariables())) {
      Map<String, Object> first = onlyNode(pair.a.awaitEnd(pair.a.submit(graph(prompt, false))));
      Map<String, Object> second = onlyNode(pair.b.awaitEnd(pair.b.submit(graph(prompt, false))));

      assertEquals(false, first.get("cached"), first.toString());
      assertEquals(false, second.get("cached"), second.toString());
      assertEquals(2, requestsFor(prompt));
    }
  }

  @Test
  void embeddedANodeWithCacheOnReusesTheStoredReply() throws Exception {
    String prompt = uniquePrompt();
    try (Instance alone = new Instance("embedded", TestConfigs.embedded(anthropicVariables()))) {
      Map<String, Object> first = onlyNode(alone.awaitEnd(alone.submit(graph(prompt, true))));
      Map<String, Object> second = onlyNode(alone.awaitEnd(alone.submit(graph(prompt, true))));

      assertRanThenCached(prompt, first, second);
    }
  }

  @Test
  void embeddedWithCacheTtlSetNodesWithoutTheFlagAreCached() throws Exception {
    String prompt = uniquePrompt();
    try (Instance alone = new Instance("embedded",
        TestConfigs.embedded(anthropicVariables("DAGO_CACHE_TTL", "10m")))) {
      Map<String, Object> first = onlyNode(alone.awaitEnd(alone.submit(graph(prompt, false))));
      Map<String, Object> second = onlyNode(alone.awaitEnd(alone.submit(graph(prompt, false))));

      assertRanThenCached(prompt, first, second);
    }
  }

  private static void assertRanThenCached(String prompt, Map<String, Object> first, Map<String, Object> second) {
    assertEquals("completed", first.get("status"), first.toString());
    assertEquals(false, first.get("cached"), first.toString());
    assertTrue(tokens(first, "input_tokens") > 0, "the first call spent tokens: " + first);
    assertEquals("completed", second.get("status"), second.toString());
    assertEquals(true, second.get("cached"), second.toString());
    assertEquals(first.get("output"), second.get("output"), "the stored reply");
    assertEquals(Map.of("input_tokens", 0L, "output_tokens", 0L), Map.of(
        "input_tokens", tokens(second, "input_tokens"), "output_tokens", tokens(second, "output_tokens")),
        "a cached node spent nothing: " + second);
    assertEquals(1, requestsFor(prompt), "model calls for '" + prompt + "'");
  }

  private static Instance redisInstance(int db, String name, String... more) {
    List<String> variables = new ArrayList<>(List.of(anthropicVariables(more)));
    variables.addAll(List.of("DAGO_INSTANCE_ID", name, "REDIS_DB", Integer.toString(db)));
    return new Instance(name, TestConfigs.redis(redis.addr(), variables.toArray(String[]::new)));
  }

  private static String[] anthropicVariables(String... more) {
    List<String> variables = new ArrayList<>(List.of("LLM_PROVIDER", "anthropic", "LLM_API_KEY", "test-key",
        "LLM_BASE_URL", anthropic.baseUrl().toString()));
    variables.addAll(List.of(more));
    return variables.toArray(String[]::new);
  }

  private static String uniquePrompt() {
    return "tell me about " + UUID.randomUUID();
  }

  private static String graph(String prompt, boolean cache) {
    return "{\"nodes\": [{\"id\": \"only\", \"prompt\": \"" + prompt + "\"" + (cache ? ", \"cache\": true" : "")
        + "}]}";
  }

  private static long requestsFor(String prompt) {
    return anthropic.requests().stream().filter(r -> prompt.equals(r.lastUserMessage())).count();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> onlyNode(Map<String, Object> graph) {
    assertEquals("completed", graph.get("status"), graph.toString());
    return ((List<Map<String, Object>>) graph.get("nodes")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static long tokens(Map<String, Object> node, String direction) {
    return ((Number) ((Map<String, Object>) node.get("usage")).get(direction)).longValue();
  }
}
