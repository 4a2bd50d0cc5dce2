package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket against a fake clock: no sleeping. */
class RateLimiterTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  private RateLimiter limiter(double perSecond, int burst, int maxKeys) {
    return new RateLimiter(perSecond, burst, now::get, maxKeys);
  }

  @Test
  void aFullBucket_letsTheBurstThrough_thenRefusesWithTheWaitForOneRequest() {
    RateLimiter limiter = limiter(5, 5, 100);

    for (int i = 0; i < 5; i++) {
      assertEquals(0, limiter.acquire("a"), "request " + (i + 1));
    }
    assertEquals(SECOND / 5, limiter.acquire("a"), "one token comes back every 200 ms");
    assertEquals(SECOND / 5, limiter.acquire("a"), "refused requests take nothing");
  }

  @Test
  void theBucketRefills_atTheRate_upToTheBurst() {
    RateLimiter limiter = limiter(5, 5, 100);
    for (int i = 0; i < 5; i++) {
      limiter.acquire("a");
    }

    now.addAndGet(SECOND / 5 - 1);
    assertEquals(1, limiter.acquire("a"), "a nanosecond short of a token");
    now.addAndGet(1);
    assertEquals(0, limiter.acquire("a"));
    assertTrue(limiter.acquire("a") > 0);

    now.addAndGet(60 * SECOND);
    for (int i = 0; i < 5; i++) {
      assertEquals(0, limiter.acquire("a"), "a minute idle refills no more than the burst: request " + (i + 1));
    }
    assertTrue(limiter.acquire("a") > 0);
  }

  @Test
  void aRateBelowOnePerSecond_waitsWholeIntervals() {
    RateLimiter limiter = limiter(0.5, 1, 100);

    assertEquals(0, limiter.acquire("a"));
    assertEquals(2 * SECOND, limiter.acquire("a"));
    now.addAndGet(SECOND);
    assertEquals(SECOND, limiter.acquire("a"));
    now.addAndGet(SECOND);
    assertEquals(0, limiter.acquire("a"));
  }

  @Test
  void eachKey_hasItsOwnBucket() {
    RateLimiter limiter = limiter(1, 2, 100);

    assertEquals(0, limiter.acquire("a"));
    assertEquals(0, limiter.acquire("a"));
    assertTrue(limiter.acquire("a") > 0);
    assertEquals(0, limiter.acquire("b"));
    assertEquals(0, limiter.acquire("b"));
  }

  @Test
  void idleBuckets_areSweptOut_whenNewKeysCome() {
    RateLimiter limiter = limiter(10, 10, 1_000);
    for (int i = 0; i < 100; i++) {
      limiter.acquire("idle-" + i);
    }
    assertEquals(100, limiter.size());

    now.addAndGet(RateLimiter.SWEEP_EVERY);
    limiter.acquire("newcomer");

    assertEquals(1, limiter.size(), "every bucket that had refilled is gone, which loses nothing");
  }

  @Test
  void aFloodOfKeys_neverHoldsMoreThanTheCap_andKeepsTheBusiestBuckets() {
    RateLimiter limiter = limiter(1, 1_000, 100);
    for (int i = 0; i < 1_000; i++) {
      limiter.acquire("busy");
    }
    for (int i = 0; i < 100_000; i++) {
      limiter.acquire("flood-" + i);
      assertTrue(limiter.size() <= 100, "size " + limiter.size() + " after " + i + " keys");
    }

    assertTrue(limiter.acquire("busy") > 0, "the bucket furthest from full survived the flood");
  }

  @Test
  void nonsenseSettings_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> limiter(0, 1, 100));
    assertThrows(IllegalArgumentException.class, () -> limiter(Double.NaN, 1, 100));
    assertThrows(IllegalArgumentException.class, () -> limiter(1, 0, 100));
  }
}
