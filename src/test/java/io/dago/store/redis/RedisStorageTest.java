package io.dago.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.store.Storage;
import io.dago.store.StorageContract;
import io.dago.store.TaskQueue;
import io.dago.testing.RedisServer;
import io.dago.testing.TestConfigs;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

  @Test
  void postponingAcknowledgesTheEntryAndDelaysTheTaskInOneStep() throws Exception {
    create(startedRun(newId()));
    TaskQueue.Task root = take(1).get(0);
    RedisKeys keys = new RedisKeys(1);
    try (RedisClient client = RedisClient.create(redis.host(), redis.port())) {
      assertEquals(1, client.xpending(keys.queue(0), RedisKeys.GROUP).getTotal());

      storage.queue().postpone(root, Duration.ofSeconds(30));

      assertEquals(0, client.xpending(keys.queue(0), RedisKeys.GROUP).getTotal(), "no longer held");
      assertEquals(1, client.zcard(keys.delayed(0)), "but delayed, so a crash now loses nothing");
    }
  }

  @Test
  void aTaskWhoseOutcomeWasStoredMeanwhileIsNotPostponed() throws Exception {
    create(startedRun(newId()));
    TaskQueue.Task root = take(1).get(0);
    runNode(root, "done elsewhere");

    storage.queue().postpone(root, Duration.ofMillis(1));

    try (RedisClient client = RedisClient.create(redis.host(), redis.port())) {
      assertEquals(0, client.zcard(new RedisKeys(1).delayed(0)));
    }
  }
}
