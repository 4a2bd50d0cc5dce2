package io.dago.store.redis;

import io.dago.config.Config;
import io.dago.state.Event;
import io.dago.store.Storage;
import java.util.List;
import java.util.function.Consumer;
import redis.clients.jedis.UnifiedJedis;

/** Builds the Redis adapters of one instance; the only place outside this package's classes that meets Jedis. */
public final class RedisStorage {
  /** Graph runs an instance keeps in memory; others are rebuilt from Redis when touched. */
  private static final int CACHED_GRAPHS = 4096;

  private RedisStorage() {}

  /**
   * Connects (failing with one clear line when Redis cannot be reached) and starts the queue's housekeeping and the
   * event feed.
   *
   * @param published told of every event this instance commits or publishes, for metrics
   * @throws RedisUnavailableException when Redis cannot be reached or refuses the credentials
   */
  public static Storage connect(Config config, Consumer<List<Event>> published) {
    // Workers store outcomes, the dispatcher waits on the queue, housekeeping and the feed reader and writer run
    // beside them, and API requests (one virtual thread each, hundreds in a burst) read and submit: none should wait
    // long for a connection, or it would be answered 503 while Redis is fine.
    int poolSize = 2 * config.workerPoolSize() + 128;
    UnifiedJedis client = RedisConnector.connect(config.redis(), poolSize);
    Redis redis = new Redis(client);
    try {
      RedisKeys keys = new RedisKeys(config.redis().cluster() ? RedisKeys.CLUSTER_SHARDS : 1);
      RedisEventBus events = new RedisEventBus(redis, keys, config.instanceId(), config.eventsMaxPerGraph(),
          published);
      RedisTaskQueue queue = new RedisTaskQueue(redis, keys, config.instanceId(), config.claimIdle());
      RedisStateStore store = new RedisStateStore(redis, keys, events, queue,
          new RedisStateStore.Settings(config.stateTtl(), config.eventsMaxPerGraph(), CACHED_GRAPHS));
      return new Storage(store, events, queue, new RedisReplyCache(client), "in Redis at " + config.redis().describe(),
          new RedisPoolStats(redis), () -> {
            queue.close();
            events.close();
            redis.close();
          });
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
  }
}
