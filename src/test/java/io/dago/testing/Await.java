package io.dago.testing;

import java.time.Duration;

/**
 * Polls a condition until it holds, instead of sleeping for a guessed time. The failure message says what was
 * awaited and, through {@code context}, what the system looked like when the time ran out (a process log, say).
 */
public final class Await {
  private static final Duration INTERVAL = Duration.ofMillis(10);

  /** A check that may do I/O; an exception counts as "not yet" and is quoted if the time runs out. */
  @FunctionalInterface
  public interface Condition {
    boolean met() throws Exception;
  }

  @FunctionalInterface
  public interface Context {
    String describe();
  }

  private Await() {}

  /**
   * Returns as soon as {@code condition} holds.
   *
   * @return how long it took
   * @throws AssertionError when it did not hold within {@code timeout}
   */
  public static Duration await(String what, Duration timeout, Condition condition) {
    return await(what, timeout, condition, () -> "");
  }

  /** The same, with what to add to the failure message. */
  public static Duration await(String what, Duration timeout, Condition condition, Context context) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (condition.met()) {
          return Duration.ofNanos(System.nanoTime() - start);
        }
        last = null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what, e);
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError failure = new AssertionError("not " + what + " within " + timeout.toMillis() + " ms"
            + (last == null ? "" : "; last check failed with " + last) + "\n" + context.describe());
        if (last != null) {
          failure.initCause(last);
        }
        throw failure;
      }
      pause(INTERVAL);
    }
  }

  /** Waits between two polls, or between two probes of a condition that has no end of its own. */
  public static void pause(Duration interval) {
    try {
      Thread.sleep(interval);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
