package io.dago.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.testing.RedisServer.Fsync;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

class RedisServerTest {

  private static RedisClient client(RedisServer redis, String password) {
    return RedisClient.builder().hostAndPort(redis.host(), redis.port())
        .clientConfig(DefaultJedisClientConfig.builder().password(password).timeoutMillis(2000).build())
        .build();
  }

  @Test
  void appendOnlyDataSurvivesStopAndStartOnTheSamePort() {
    try (RedisServer redis = RedisServer.builder().appendOnly(Fsync.EVERYSEC).start()) {
      int port = redis.port();
      try (RedisClient client = client(redis, null)) {
        client.set("graph:1", "running");
      }

      redis.stop();
      assertFalse(redis.isRunning());
      redis.start();

      assertTrue(redis.isRunning());
      assertEquals(port, redis.port());
      assertEquals("127.0.0.1:" + port, redis.addr());
      try (RedisClient client = client(redis, null)) {
        assertEquals("running", client.get("graph:1"));
      }
    }
  }

  @Test
  void withoutAppendOnlyARestartStartsEmpty() {
    try (RedisServer redis = RedisServer.builder().start()) {
      try (RedisClient client = client(redis, null)) {
        client.set("graph:1", "running");
      }

      redis.stop();
      redis.start();

      try (RedisClient client = client(redis, null)) {
        assertNull(client.get("graph:1"));
      }
    }
  }

  @Test
  void killEndsRedisAtOnceAndAlwaysFsyncedWritesSurviveIt() {
    try (RedisServer redis = RedisServer.builder().appendOnly(Fsync.ALWAYS).start();
        RedisClient client = client(redis, null)) {
      client.set("graph:1", "running");

      redis.kill();

      assertFalse(redis.isRunning());
      assertThrows(JedisConnectionException.class, client::ping);
      redis.start();
      assertEquals("running", client.get("graph:1"));
    }
  }

  @Test
  void passwordIsRequired() {
    try (RedisServer redis = RedisServer.builder().password("s3cret").start()) {
      assertEquals("s3cret", redis.password());
      try (RedisClient anonymous = client(redis, null)) {
        JedisDataException refused = assertThrows(JedisDataException.class, anonymous::ping);
        assertTrue(refused.getMessage().startsWith("NOAUTH"), refused.getMessage());
      }
      try (RedisClient client = client(redis, "s3cret")) {
        assertEquals("PONG", client.ping());
      }
      redis.stop(); // SHUTDOWN needs the password too
      assertFalse(redis.isRunning());
    }
  }

  @Test
  void writesPastMaxmemoryFailWithOutOfMemory() {
    try (RedisServer redis = RedisServer.builder().maxmemory("2mb").start();
        RedisClient client = client(redis, null)) {
      String value = "x".repeat(64 * 1024);
      JedisDataException full = assertThrows(JedisDataException.class, () -> {
        for (int i = 0; i < 1000; i++) {
          client.set("blob:" + i, value);
        }
      });
      assertTrue(full.getMessage().startsWith("OOM"), full.getMessage());
    }
  }

  @Test
  void aRedisThatCannotStartFailsWithTheTailOfItsLog() {
    IllegalStateException failure = assertThrows(IllegalStateException.class,
        () -> RedisServer.builder().maxmemory("plenty").start().close());

    assertTrue(failure.getMessage().contains("exited with code 1 before answering PING"), failure.getMessage());
    assertTrue(failure.getMessage().contains("FATAL CONFIG FILE ERROR"), failure.getMessage());
  }

  @Test
  void closeStopsRedisAndDeletesItsDirectory() {
    RedisServer redis = RedisServer.builder().appendOnly(Fsync.EVERYSEC).start();
    Path dir = redis.dir();
    assertTrue(Files.exists(dir.resolve("redis.conf")));

    redis.close();

    assertFalse(redis.isRunning());
    assertFalse(Files.exists(dir));
  }
}
