package io.dago.engine;

import io.dago.graph.RetrySpec;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delay before the next attempt: exponential (doubling from the initial backoff, capped at the max) with full
 * jitter, so that many nodes failing together do not retry together. A provider's {@code retry-after} is a
 * floor: retrying sooner than asked only earns another rejection.
 */
final class Backoff {
  private final RandomGenerator random;

  Backoff(RandomGenerator random) {
    this.random = random;
  }

  /**
   * @param failedAttempt the attempt that just failed, from 1
   * @param retryAfter what the provider asked for, or null
   */
  long delayMs(RetrySpec retry, int failedAttempt, Duration retryAfter) {
    long ceiling = ceilingMs(retry, failedAttempt);
    long jittered = ceiling == 0 ? 0 : random.nextLong(ceiling + 1);
    if (retryAfter != null) {
      return Math.max(jittered, retryAfter.toMillis());
    }
    return jittered;
  }

  /** The upper bound of the jitter window after the given failed attempt. */
  static long ceilingMs(RetrySpec retry, int failedAttempt) {
    int doublings = Math.min(Math.max(failedAttempt - 1, 0), 62);
    long grown = retry.initialBackoffMs() << doublings;
    if (grown < 0 || (doublings > 0 && grown >> doublings != retry.initialBackoffMs())) {
      grown = Long.MAX_VALUE;
    }
    return Math.min(grown, retry.maxBackoffMs());
  }
}
