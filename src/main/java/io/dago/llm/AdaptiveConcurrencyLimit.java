package io.dago.llm;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounds the calls in flight to a provider, and learns how many it will take: additive increase, multiplicative
 * decrease, as TCP does with its window.
 *
 * <ul>
 *   <li>A rate-limited call (429) halves the limit, down to 1. Only calls let in since the last decrease can
 *       decrease it again: a burst of 429s from calls that were all in flight together is one signal, not ten.
 *   <li>Every {@code successesPerStep} successes raise it by 1, up to {@code max}.
 *   <li>Any other outcome leaves it alone: overload and outages are the circuit breaker's business.
 * </ul>
 *
 * <p>Lowering the limit aborts nothing: calls in flight finish, and no new one is let in until fewer than the new
 * limit are in flight.
 *
 * <p>Contract: every permit {@link #acquire} hands out is given back exactly once with {@link #release}, whatever
 * became of the call, or the limit shrinks for good. Thread-safe; waiters are let in first come, first served.
 */
public final class AdaptiveConcurrencyLimit {
  /** How a call that held a permit ended, as far as the limit cares. */
  public enum Outcome {
    SUCCEEDED, RATE_LIMITED, OTHER
  }

  /** The right to make one call; give it back once. */
  public static final class Permit {
    private final long epoch;
    private boolean released;

    private Permit(long epoch) {
      this.epoch = epoch;
    }
  }

  private final int max;
  private final int successesPerStep;
  private final ReentrantLock lock = new ReentrantLock(true);
  private final Condition freed = lock.newCondition();
  private int limit;
  private int inFlight;
  private int successes;
  /** Bumped by every decrease: permits of an older epoch cannot decrease the limit again. */
  private long epoch;

  /**
   * @param max the most calls in flight at once, and where the limit starts
   * @param successesPerStep successes that raise the limit by one
   */
  public AdaptiveConcurrencyLimit(int max, int successesPerStep) {
    if (max < 1 || successesPerStep < 1) {
      throw new IllegalArgumentException("max and successesPerStep must be at least 1, were " + max + " and "
          + successesPerStep);
    }
    this.max = max;
    this.successesPerStep = successesPerStep;
    this.limit = max;
  }

  /**
   * Waits up to {@code wait} for fewer than {@link #limit()} calls to be in flight.
   *
   * @return a permit, or null when none came free in time
   */
  public Permit acquire(Duration wait) throws InterruptedException {
    long nanos = wait.toNanos();
    lock.lockInterruptibly();
    try {
      while (inFlight >= limit) {
        if (nanos <= 0) {
          return null;
        }
        nanos = freed.awaitNanos(nanos);
      }
      inFlight++;
      return new Permit(epoch);
    } finally {
      lock.unlock();
    }
  }

  /** Gives a permit back and learns from how its call ended. A second release of the same permit does nothing. */
  public void release(Permit permit, Outcome outcome) {
    lock.lock();
    try {
      if (permit.released) {
        return;
      }
      permit.released = true;
      inFlight--;
      switch (outcome) {
        case SUCCEEDED -> {
          if (limit < max && ++successes >= successesPerStep) {
            limit++;
            successes = 0;
            freed.signal();
          }
        }
        case RATE_LIMITED -> {
          if (permit.epoch == epoch && limit > 1) {
            limit = Math.max(1, limit / 2);
            successes = 0;
            epoch++;
          }
        }
        case OTHER -> {}
      }
      if (inFlight < limit) {
        freed.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The number of calls let in at once now, 1 to {@link #max()}. */
  public int limit() {
    lock.lock();
    try {
      return limit;
    } finally {
      lock.unlock();
    }
  }

  public int max() {
    return max;
  }

  /** Permits held now. */
  public int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }
}
