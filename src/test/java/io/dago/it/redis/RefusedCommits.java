package io.dago.it.redis;

import io.dago.testing.RedisServer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * How many commits of graph changes Redis refused because another instance had committed first: the state store's
 * commit script starts with an {@code XADD} at an explicit seq, which fails when that seq is taken, and Redis counts
 * failed {@code XADD}s in {@code INFO commandstats}. Tests read it to show that their races really collided.
 */
final class RefusedCommits {
  private static final Pattern FAILED_XADDS = Pattern.compile("cmdstat_xadd:.*failed_calls=(\\d+)");

  private RefusedCommits() {}

  static long so(RedisServer redis) {
    try (UnifiedJedis jedis = RedisClient.create(redis.host(), redis.port())) {
      Matcher failed = FAILED_XADDS.matcher(jedis.info("commandstats"));
      return failed.find() ? Long.parseLong(failed.group(1)) : 0;
    }
  }
}
