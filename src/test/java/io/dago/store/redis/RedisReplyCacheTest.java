package io.dago.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.json.Json;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import io.dago.store.CacheKey;
import io.dago.store.ReplyCache;
import io.dago.store.ReplyCacheContract;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * The contract against the machine's Redis on 6379, which other tests share: every key is a real
 * {@code dago:cache:} key of a random prompt, deleted after each test, and nothing is flushed.
 */
class RedisReplyCacheTest extends ReplyCacheContract {
  private static UnifiedJedis redis;
  private final RedisReplyCache cache = new RedisReplyCache(redis);
  private final List<CacheKey> written = new ArrayList<>();

  @BeforeAll
  static void connect() {
    redis = RedisClient.create("127.0.0.1", 6379);
  }

  @AfterAll
  static void disconnect() {
    redis.close();
  }

  @AfterEach
  void deleteWhatWasWritten() {
    for (CacheKey key : written) {
      redis.del(RedisReplyCache.redisKey(key));
    }
  }

  @Override
  protected ReplyCache cache() {
    return cache;
  }

  @Override
  protected void written(CacheKey key) {
    written.add(key);
  }

  private static String keyText(CacheKey key) {
    return new String(RedisReplyCache.redisKey(key), StandardCharsets.US_ASCII);
  }

  @Test
  void aReplyIsStoredAsJsonUnderItsDigestWithItsTtl() {
    CacheKey key = newKey();

    cache.put(key, new LlmResponse("hi", new Usage(3, 4), "end_turn"), MINUTE);

    assertEquals("dago:cache:" + key.hex(), keyText(key));
    assertEquals(Map.of("text", "hi", "usage", Map.of("input_tokens", 3, "output_tokens", 4),
        "stop_reason", "end_turn"), Json.parse(redis.get(RedisReplyCache.redisKey(key))));
    long pttl = redis.pttl(keyText(key));
    assertTrue(pttl > 50_000 && pttl <= 60_000, "PTTL " + pttl);
  }

  @Test
  void aReplyIsGoneOnceItsTtlHasPassed() throws InterruptedException {
    CacheKey key = newKey();
    cache.put(key, new LlmResponse("brief", new Usage(1, 1), "end_turn"), Duration.ofMillis(200));
    assertTrue(cache.get(key).isPresent());
    long pttl = redis.pttl(keyText(key));
    assertTrue(pttl > 0 && pttl <= 200, "PTTL " + pttl);

    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (cache.get(key).isPresent()) {
      assertTrue(System.nanoTime() < deadline, "the reply outlived its 200 ms TTL by seconds");
      Thread.sleep(20);
    }
    assertNull(redis.get(RedisReplyCache.redisKey(key)));
  }

  @Test
  void aTtlBelowAMillisecondIsRoundedUpNotRefused() {
    CacheKey key = newKey();

    cache.put(key, new LlmResponse("x", Usage.ZERO, "end_turn"), Duration.ofNanos(1));

    // Either still there or already expired; what matters is that SET accepted it, which PX 0 would not.
    long pttl = redis.pttl(keyText(key));
    assertTrue(pttl == -2 || (pttl >= 0 && pttl <= 1), "PTTL " + pttl);
  }

  @Test
  void aValueThatIsNotAReplyIsAMiss() {
    CacheKey notJson = newKey();
    CacheKey wrongShape = newKey();
    redis.set(keyText(notJson), "not json");
    redis.set(keyText(wrongShape), "{\"text\": 5, \"usage\": {}}");

    assertEquals(Optional.empty(), cache.get(notJson));
    assertEquals(Optional.empty(), cache.get(wrongShape));
  }

  @Test
  void anUnreachableRedisIsAMissAndALostWriteNeverAnError() throws IOException {
    int nothingListens;
    try (ServerSocket socket = new ServerSocket(0)) {
      nothingListens = socket.getLocalPort();
    }
    try (UnifiedJedis unreachable = RedisClient.create("127.0.0.1", nothingListens)) {
      RedisReplyCache broken = new RedisReplyCache(unreachable);
      CacheKey key = newKey();

      broken.put(key, new LlmResponse("lost", Usage.ZERO, "end_turn"), MINUTE);
      assertEquals(Optional.empty(), broken.get(key));
      assertEquals(Optional.empty(), broken.get(key), "and again, once the failure has been logged");
    }
  }
}
