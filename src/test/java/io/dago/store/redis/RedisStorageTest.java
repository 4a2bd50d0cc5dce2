package io.dago.store.redis;

import io.dago.store.Storage;
import io.dago.store.StorageContract;
import io.dago.testing.RedisServer;
import io.dago.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.RedisClient;

class RedisStorageTest extends StorageContract {
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.builder().start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @Override
  protected Storage newStorage() {
    try (RedisClient client = RedisClient.create(redis.host(), redis.port())) {
      client.flushAll();
    }
    return RedisStorage.connect(TestConfigs.redis(redis.addr(), "DAGO_INSTANCE_ID", "contract"), events -> {});
  }
}
