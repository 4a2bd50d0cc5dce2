package io.dago.it.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.testing.Await;
import io.dago.testing.RedisServer;
import io.dago.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * An instance in Redis mode stopped in the ordinary way, with Redis up all along, has nothing to warn about: an
 * operator who reads "Redis is unreachable" at every deploy learns to ignore the line that matters in an outage.
 */
class CleanShutdownTest {
  /** Held here: the logging framework keeps loggers only weakly, and the handler must stay attached. */
  private static final Logger DAGO = Logger.getLogger("io.dago");
  private static final Duration QUIET_AFTER_STOP = Duration.ofSeconds(2);

  @Test
  void stoppingAnInstanceWhileRedisIsUpLogsNoWarning() throws Exception {
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record.getLoggerName() + ": " + record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    try (RedisServer redis = RedisServer.builder().start()) {
      DAGO.addHandler(handler);
      try {
        Instance dago = new Instance("a", TestConfigs.redis(redis.addr(), "DAGO_INSTANCE_ID", "a"));
        try {
          String id = dago.submit("{\"nodes\": [{\"id\": \"only\", \"prompt\": \"hello\"}]}");
          assertEquals("completed", dago.awaitEnd(id).get("status"));
        } finally {
          dago.close();
        }
        // The background threads (dispatcher, feed reader, queue housekeeping) see the stop only after close()
        // returns, and would warn then; nothing marks them done, so this waits a bounded while for a warning.
        try {
          Await.await("a warning after the stop", QUIET_AFTER_STOP, () -> !warnings.isEmpty());
        } catch (AssertionError none) {
          // None came: as it should be.
        }
      } finally {
        DAGO.removeHandler(handler);
      }
    }

    assertEquals(List.of(), warnings, "warnings logged by an instance that started, ran a graph and stopped");
  }
}
