package io.dago.store.redis;

import io.dago.store.ConnectionPoolStats;
import java.util.Collection;
import java.util.List;
import java.util.function.ToIntFunction;
import org.apache.commons.pool2.impl.GenericObjectPool;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;

/** The Jedis pools behind {@link Redis}: one for a single Redis, one per node of a cluster, summed. */
final class RedisPoolStats implements ConnectionPoolStats {
  private final Redis redis;

  RedisPoolStats(Redis redis) {
    this.redis = redis;
  }

  @Override
  public int active() {
    return sum(GenericObjectPool::getNumActive);
  }

  @Override
  public int idle() {
    return sum(GenericObjectPool::getNumIdle);
  }

  @Override
  public int waiting() {
    return sum(GenericObjectPool::getNumWaiters);
  }

  @Override
  public long errors() {
    return redis.errors();
  }

  private int sum(ToIntFunction<GenericObjectPool<Connection>> reading) {
    int total = 0;
    for (GenericObjectPool<Connection> pool : pools()) {
      total += reading.applyAsInt(pool);
    }
    return total;
  }

  private Collection<? extends GenericObjectPool<Connection>> pools() {
    return switch (redis.client()) {
      case RedisClient single -> List.of(single.getPool());
      case RedisClusterClient cluster -> cluster.getClusterNodes().values();
      default -> List.of();
    };
  }
}
