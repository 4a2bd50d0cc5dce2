package io.dago.store.redis;

import io.dago.llm.LlmResponse;
import io.dago.store.CacheKey;
import io.dago.store.ReplyCache;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * The reply cache in Redis, shared by every instance: one string key per reply, {@code dago:cache:<sha-256 hex>},
 * holding the reply as JSON (see {@link ReplyJson}) and expiring with Redis's own {@code PX}, so nothing here sweeps.
 *
 * <p>Failures never reach the caller: a Redis error or an unreadable value is a miss on {@link #get}, and a lost
 * write on {@link #put}; the node then calls the model as if there were no cache. Each kind of failure is logged at
 * FINE the first time only, since an outage would otherwise log once per node, and the state store and task queue
 * on the same Redis already report it loudly.
 */
public final class RedisReplyCache implements ReplyCache {
  static final String KEY_PREFIX = "dago:cache:";

  private static final Logger LOG = Logger.getLogger(RedisReplyCache.class.getName());

  private final UnifiedJedis redis;
  /** "operation exception-class" of the failures logged so far; bounded by the few kinds Jedis throws. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  /** @param redis shared with the other Redis adapters; this cache does not close it */
  public RedisReplyCache(UnifiedJedis redis) {
    this.redis = Objects.requireNonNull(redis, "redis");
  }

  @Override
  public Optional<LlmResponse> get(CacheKey key) {
    byte[] value;
    try {
      value = redis.get(redisKey(key));
    } catch (JedisException e) {
      reportOnce("get", e);
      return Optional.empty();
    }
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ReplyJson.decode(value));
    } catch (IllegalArgumentException e) {
      reportOnce("decode", e);
      return Optional.empty();
    }
  }

  @Override
  public void put(CacheKey key, LlmResponse response, Duration ttl) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a cached reply needs a positive TTL, got " + ttl);
    }
    byte[] value = ReplyJson.encode(response);
    try {
      redis.set(redisKey(key), value, SetParams.setParams().px(ttlMillis(ttl)));
    } catch (JedisException e) {
      reportOnce("put", e);
    }
  }

  /** The Redis key of a cached reply: {@code dago:cache:<hex>}. */
  static byte[] redisKey(CacheKey key) {
    return (KEY_PREFIX + key.hex()).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Rounded up, since {@code PX 0} is an error, and capped where {@link Duration#toMillis} would overflow (Redis
   * refuses such a TTL, and the reply is then simply not stored).
   */
  private static long ttlMillis(Duration ttl) {
    try {
      return Math.max(1, ttl.plusNanos(999_999).toMillis());
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private void reportOnce(String operation, RuntimeException e) {
    if (reported.add(operation + " " + e.getClass().getName())) {
      String outcome = operation.equals("put") ? "the reply is not cached" : "treated as a miss";
      LOG.log(Level.FINE, "reply cache " + operation + " failed, " + outcome + "; further "
          + e.getClass().getSimpleName() + " failures of " + operation + " are not logged", e);
    }
  }
}
