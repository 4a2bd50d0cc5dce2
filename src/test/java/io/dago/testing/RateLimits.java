package io.dago.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Drives a rate limit from outside, without depending on how fast the machine is: a quick run must be refused right
 * after the burst, and a run slowed down (a loaded CI host) may only get as many more as the rate refilled meanwhile.
 */
public final class RateLimits {
  private RateLimits() {}

  /**
   * Makes requests back to back until one is refused.
   *
   * @param call makes one request and returns its answer
   * @param refused tells a refusal from an admitted answer
   * @return the first refused answer
   */
  public static <T> T firstRefusal(double perSecond, int burst, Callable<T> call, Predicate<T> refused)
      throws Exception {
    long started = System.nanoTime();
    for (int admitted = 0; admitted <= burst + 10_000; admitted++) {
      T answer = call.call();
      if (refused.test(answer)) {
        double seconds = (System.nanoTime() - started) / (double) TimeUnit.SECONDS.toNanos(1);
        long refilled = (long) Math.floor(seconds * perSecond);
        assertTrue(admitted >= burst, "refused after only " + admitted + " requests; the burst is " + burst);
        assertTrue(admitted <= burst + refilled, admitted + " admitted in " + seconds + " s, more than the burst of "
            + burst + " and the " + refilled + " the rate refilled meanwhile");
        return answer;
      }
    }
    return fail("never refused");
  }
}
