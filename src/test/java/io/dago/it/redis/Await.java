package io.dago.it.redis;

import java.time.Duration;

/** Waits for a condition by polling it, rather than sleeping for a guessed time. */
final class Await {
  private static final Duration POLL = Duration.ofMillis(5);

  private Await() {}

  /** Something a test waits for; it may call a server, so it may throw. */
  interface Condition {
    boolean met() throws Exception;
  }

  /**
   * Polls {@code condition} until it holds.
   *
   * @return how long it took to hold, from this call
   * @throws AssertionError naming {@code what} when it did not hold within {@code timeout}
   */
  static Duration until(String what, Duration timeout, Condition condition) throws Exception {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (!condition.met()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(what + ": not within " + timeout.toMillis() + " ms");
      }
      Thread.sleep(POLL);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
