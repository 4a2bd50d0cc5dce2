package io.dago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.graph.RetrySpec;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final RetrySpec retry = new RetrySpec(10, 1_000, 30_000);

  @Test
  void ceilingDoublesFromTheInitialBackoffUpToTheMax() {
    assertEquals(1_000, Backoff.ceilingMs(retry, 1));
    assertEquals(2_000, Backoff.ceilingMs(retry, 2));
    assertEquals(4_000, Backoff.ceilingMs(retry, 3));
    assertEquals(16_000, Backoff.ceilingMs(retry, 5));
    assertEquals(30_000, Backoff.ceilingMs(retry, 6));
    assertEquals(30_000, Backoff.ceilingMs(retry, 9));
  }

  @Test
  void ceilingNeverOverflowsOnHugeAttemptNumbers() {
    assertEquals(30_000, Backoff.ceilingMs(retry, 64));
    assertEquals(30_000, Backoff.ceilingMs(retry, 1_000));
    assertEquals(3_600_000, Backoff.ceilingMs(new RetrySpec(100, 3_600_000, 3_600_000), 99));
  }

  @Test
  void fullJitterSpreadsDelaysOverTheWholeWindow() {
    Backoff backoff = new Backoff(new SplittableRandom(42));
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 10_000; i++) {
      long delay = backoff.delayMs(retry, 3, null);
      assertTrue(delay >= 0 && delay <= 4_000, "delay out of window: " + delay);
      min = Math.min(min, delay);
      max = Math.max(max, delay);
    }
    assertTrue(min < 200, "jitter should reach near zero, min was " + min);
    assertTrue(max > 3_800, "jitter should reach near the ceiling, max was " + max);
  }

  @Test
  void retryAfterIsAFloorOnTheDelay() {
    Backoff backoff = new Backoff(new SplittableRandom(7));
    for (int i = 0; i < 1_000; i++) {
      assertTrue(backoff.delayMs(retry, 1, Duration.ofSeconds(5)) >= 5_000);
    }
  }

  @Test
  void zeroInitialBackoffRetriesAtOnce() {
    Backoff backoff = new Backoff(new SplittableRandom(1));
    assertEquals(0, backoff.delayMs(new RetrySpec(3, 0, 0), 2, null));
  }
}
