package io.dago.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.store.StoreUnavailableException;
import io.dago.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;

/** Commands sent through {@link Redis#send} from many threads at once, in batches, against a real Redis. */
class BatchesTest {
  private static final int SENDERS = 300;

  @Test
  void everyConcurrentCommandGetsItsOwnReplyAndAnErrorReplyFailsOnlyItsCommand() throws Exception {
    try (RedisServer server = RedisServer.builder().start();
        Redis redis = new Redis(RedisClient.create(server.host(), server.port()))) {
      redis.appendAt("s", new StreamEntryID(0, 5), 100, Map.of("e", "first"));
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Long>> counts = new ArrayList<>();
      List<Future<Boolean>> appends = new ArrayList<>();
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < SENDERS; i++) {
          counts.add(threads.submit(() -> {
            go.await();
            return redis.send(pipeline -> pipeline.incr("n"));
          }));
          if (i % 30 == 0) {
            // Taken ids, in the same batches as the INCRs: refused one by one, an answer rather than an error.
            appends.add(threads.submit(() -> {
              go.await();
              return redis.appendAt("s", new StreamEntryID(0, 3), 100, Map.of("e", "late"));
            }));
          }
        }
        go.countDown();
      }
      Set<Long> replies = new TreeSet<>();
      for (Future<Long> count : counts) {
        replies.add(count.get());
      }
      assertEquals(SENDERS, replies.size(), "each INCR got a reply of its own");
      assertEquals(1L, replies.iterator().next());
      assertEquals((long) SENDERS, ((TreeSet<Long>) replies).last());
      for (Future<Boolean> append : appends) {
        assertFalse(append.get(), "an id below the stream's top is refused");
      }
      assertThrows(JedisDataException.class, () -> redis.send(pipeline -> pipeline.incr("s")),
          "a command's error reply reaches its sender");
      long next = redis.send(pipeline -> pipeline.incr("n"));
      assertEquals(SENDERS + 1L, next, "and the next batch goes on");
      assertEquals(0, redis.errors() - 1, "the error reply counted once; refused ids are not errors");
    }
  }

  @Test
  void aBatchThatCannotReachRedisFailsAsRedisUnavailable() throws Exception {
    try (RedisServer server = RedisServer.builder().start();
        Redis redis = new Redis(RedisClient.create(server.host(), server.port()))) {
      long first = redis.send(pipeline -> pipeline.incr("n"));
      assertEquals(1L, first);
      server.stop();
      StoreUnavailableException down =
          assertThrows(StoreUnavailableException.class, () -> redis.send(pipeline -> pipeline.incr("n")));
      assertTrue(down.getMessage().startsWith("Redis is unreachable"), down.getMessage());
      server.start();
      long again = redis.send(pipeline -> pipeline.incr("n"));
      assertEquals(1L, again, "a fresh Redis (no persistence) answers again");
    }
  }
}
