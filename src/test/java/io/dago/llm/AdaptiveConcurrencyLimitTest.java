package io.dago.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.AdaptiveConcurrencyLimit.Outcome;
import io.dago.llm.AdaptiveConcurrencyLimit.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AdaptiveConcurrencyLimitTest {
  private final AdaptiveConcurrencyLimit limit = new AdaptiveConcurrencyLimit(8, 3);

  private List<Permit> take(int count) throws InterruptedException {
    List<Permit> permits = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      permits.add(limit.acquire(Duration.ZERO));
    }
    return permits;
  }

  @Test
  void startsAtTheMaximumAndLetsNoMoreInThanTheLimit() throws Exception {
    List<Permit> permits = take(8);

    assertTrue(permits.stream().allMatch(p -> p != null));
    assertEquals(8, limit.inFlight());
    assertNull(limit.acquire(Duration.ofMillis(20)), "the ninth waits and gives up");

    limit.release(permits.get(0), Outcome.OTHER);
    assertNotNull(limit.acquire(Duration.ZERO));
  }

  @Test
  void aRateLimitedCallHalvesTheLimitDownToOne() throws Exception {
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);
    assertEquals(4, limit.limit());
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);
    assertEquals(2, limit.limit());
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);

    assertEquals(1, limit.limit(), "never below one");
  }

  @Test
  void aBurstOf429sFromCallsInFlightTogetherHalvesTheLimitOnce() throws Exception {
    List<Permit> burst = take(8);

    for (Permit permit : burst) {
      limit.release(permit, Outcome.RATE_LIMITED);
    }

    assertEquals(4, limit.limit());
    assertEquals(0, limit.inFlight());
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);
    assertEquals(2, limit.limit(), "a call let in after the decrease can decrease it again");
  }

  @Test
  void successesRaiseTheLimitByOneEveryFewUpToTheMaximum() throws Exception {
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);
    limit.release(limit.acquire(Duration.ZERO), Outcome.RATE_LIMITED);
    assertEquals(2, limit.limit());

    limit.release(limit.acquire(Duration.ZERO), Outcome.SUCCEEDED);
    limit.release(limit.acquire(Duration.ZERO), Outcome.SUCCEEDED);
    assertEquals(2, limit.limit());
    limit.release(limit.acquire(Duration.ZERO), Outcome.SUCCEEDED);
    assertEquals(3, limit.limit());

    for (int i = 0; i < 100; i++) {
      limit.release(limit.acquire(Duration.ZERO), Outcome.SUCCEEDED);
    }
    assertEquals(8, limit.limit(), "back to the maximum, and no further");
  }

  @Test
  void otherOutcomesLeaveTheLimitAlone() throws Exception {
    for (int i = 0; i < 20; i++) {
      limit.release(limit.acquire(Duration.ZERO), Outcome.OTHER);
    }
    assertEquals(8, limit.limit());
    assertEquals(0, limit.inFlight());
  }

  @Test
  void aLoweredLimitAbortsNothingButLetsNoOneInUntilFewerAreInFlight() throws Exception {
    List<Permit> permits = take(8);
    limit.release(permits.remove(0), Outcome.RATE_LIMITED);
    assertEquals(4, limit.limit());
    assertEquals(7, limit.inFlight());

    for (int i = 0; i < 3; i++) {
      limit.release(permits.remove(0), Outcome.OTHER);
      assertNull(limit.acquire(Duration.ZERO), "still " + limit.inFlight() + " in flight");
    }
    limit.release(permits.remove(0), Outcome.OTHER);
    assertNotNull(limit.acquire(Duration.ZERO));
  }

  @Test
  void aPermitReleasedTwiceCountsOnce() throws Exception {
    Permit permit = limit.acquire(Duration.ZERO);
    limit.release(permit, Outcome.OTHER);
    limit.release(permit, Outcome.OTHER);
    assertEquals(0, limit.inFlight());
    assertEquals(8, take(8).stream().filter(p -> p != null).count());
    assertNull(limit.acquire(Duration.ZERO));
  }

  @Test
  void aWaiterGetsTheFirstPermitThatComesFree() throws Exception {
    List<Permit> permits = take(8);
    CountDownLatch waiting = new CountDownLatch(1);
    AtomicInteger got = new AtomicInteger();
    Thread waiter = Thread.ofVirtual().start(() -> {
      try {
        waiting.countDown();
        if (limit.acquire(Duration.ofSeconds(10)) != null) {
          got.incrementAndGet();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(waiting.await(5, TimeUnit.SECONDS));
    Thread.sleep(50);
    assertEquals(0, got.get());

    limit.release(permits.get(3), Outcome.SUCCEEDED);

    waiter.join(5_000);
    assertEquals(1, got.get());
    assertEquals(8, limit.inFlight());
  }

  @Test
  void manyThreadsNeverExceedTheLimit() throws Exception {
    AdaptiveConcurrencyLimit shared = new AdaptiveConcurrencyLimit(3, 1);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      threads.add(Thread.ofVirtual().start(() -> {
        for (int i = 0; i < 200; i++) {
          try {
            Permit permit = shared.acquire(Duration.ofSeconds(10));
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            Thread.onSpinWait();
            inside.decrementAndGet();
            shared.release(permit, i % 7 == 0 ? Outcome.RATE_LIMITED : Outcome.SUCCEEDED);
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
    for (Thread thread : threads) {
      thread.join(20_000);
    }
    assertTrue(most.get() <= 3, "at most 3 at once, saw " + most.get());
    assertEquals(0, shared.inFlight());
  }
}
