package io.dago.llm;

import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Stops calling a provider that keeps failing, so that nodes wait for it to recover instead of spending their
 * attempts on it.
 *
 * <pre>
 *   closed --{@code failures} consecutive retryable failures--> open --{@code openFor} passes--> half-open
 *   half-open --the one probe call succeeds--> closed
 *   half-open --the probe fails (retryable)--> open, for {@code openFor} again
 * </pre>
 *
 * <p>Only retryable failures count (rate limits, overload, 5xx, timeouts, broken streams): a 400 or a 401 says
 * nothing about the provider's health and neither counts nor resets the count. A success resets it.
 *
 * <p>Contract: every call {@link #tryAcquire} lets through must be reported exactly once, with
 * {@link #succeeded}, {@link #failed} or {@link #abandoned} (no call was made after all: the node turned out to be
 * a duplicate, or its graph had ended). A half-open breaker lets one probe through at a time; a probe that is
 * abandoned, or ends in a non-retryable failure, hands its turn to the next caller. Outcomes of calls let through
 * before the latest change of state are ignored: a call that started while the breaker was closed and fails after
 * it opened proves nothing new.
 *
 * <p>Thread-safe; every method is a few field reads and writes under the breaker's monitor, which is never held
 * while waiting for anything but the log line of a change of state (rare by design). Time comes from
 * {@code nanoTime} ({@link System#nanoTime} in production).
 */
public final class CircuitBreaker {
  private static final Logger LOG = Logger.getLogger(CircuitBreaker.class.getName());
  /** How long callers refused while a probe is out wait before asking again, at most. */
  private static final Duration PROBE_WAIT = Duration.ofSeconds(1);

  public enum State {
    CLOSED, OPEN, HALF_OPEN;

    /** {@code closed}, {@code open} or {@code half_open}, as {@code /health} shows it. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The value of the state gauge: 0 closed, 1 open, 2 half-open. */
    public int gaugeValue() {
      return ordinal();
    }
  }

  /** Told of every change of state. Called under the breaker's monitor: must be quick and must not block. */
  public interface Listener {
    Listener NONE = (from, to) -> {};

    void changed(State from, State to);
  }

  /** A call the breaker let through; report how it ended exactly once. */
  public static final class Permit {
    private final long generation;
    private final boolean probe;

    private Permit(long generation, boolean probe) {
      this.generation = generation;
      this.probe = probe;
    }

    /** Whether this call is the half-open breaker's probe. */
    public boolean probe() {
      return probe;
    }
  }

  private final String provider;
  private final int failures;
  private final long openForNanos;
  private final LongSupplier nanoTime;
  private final Listener listener;

  private State state = State.CLOSED;
  /** Bumped by every change of state: permits of older generations no longer count. */
  private long generation;
  private int consecutiveFailures;
  private long openedAt;
  private boolean probeOut;
  private String lastFailure = "";

  /**
   * @param provider named in log lines
   * @param failures consecutive retryable failures that open the breaker, at least 1
   * @param openFor how long it stays open before it lets a probe through
   */
  public CircuitBreaker(String provider, int failures, Duration openFor, LongSupplier nanoTime, Listener listener) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be at least 1, was " + failures);
    }
    if (openFor.isNegative() || openFor.isZero()) {
      throw new IllegalArgumentException("openFor must be positive, was " + openFor);
    }
    this.provider = provider;
    this.failures = failures;
    this.openForNanos = openFor.toNanos();
    this.nanoTime = nanoTime;
    this.listener = listener;
  }

  /** Lets a call through, or refuses it (null): see {@link #waitTime} for when to ask again. */
  public synchronized Permit tryAcquire() {
    advance();
    return switch (state) {
      case CLOSED -> new Permit(generation, false);
      case OPEN -> null;
      case HALF_OPEN -> {
        if (probeOut) {
          yield null;
        }
        probeOut = true;
        yield new Permit(generation, true);
      }
    };
  }

  /**
   * How long a caller refused now had better wait before asking again; zero when a call would be let through. Asks
   * nothing of the breaker: a cheap check before waiting for something else.
   */
  public synchronized Duration waitTime() {
    advance();
    return switch (state) {
      case CLOSED -> Duration.ZERO;
      case OPEN -> Duration.ofNanos(Math.max(1, openedAt + openForNanos - nanoTime.getAsLong()));
      case HALF_OPEN -> probeOut ? Duration.ofNanos(Math.min(openForNanos, PROBE_WAIT.toNanos())) : Duration.ZERO;
    };
  }

  public synchronized void succeeded(Permit permit) {
    if (permit.probe && permit.generation == generation) {
      probeOut = false;
      consecutiveFailures = 0;
      moveTo(State.CLOSED);
      LOG.info(() -> "circuit breaker of provider " + provider + " closed: the probe call succeeded");
    } else if (permit.generation == generation && state == State.CLOSED) {
      consecutiveFailures = 0;
    }
  }

  /** A call failed; only a retryable failure counts against the provider. */
  public synchronized void failed(Permit permit, LlmException error) {
    if (permit.generation != generation) {
      return;
    }
    if (!error.retryable()) {
      if (permit.probe) {
        probeOut = false;
      }
      return;
    }
    lastFailure = error.code() + (error.httpStatus() == 0 ? "" : " " + error.httpStatus());
    if (permit.probe) {
      probeOut = false;
      open();
      LOG.warning(() -> "circuit breaker of provider " + provider + " open again: the probe call failed ("
          + lastFailure + "); next probe in " + Duration.ofNanos(openForNanos).toMillis() + " ms");
    } else if (state == State.CLOSED && ++consecutiveFailures >= failures) {
      open();
      LOG.warning(() -> "circuit breaker of provider " + provider + " open after " + failures
          + " consecutive retryable failures (last: " + lastFailure + "); nodes wait "
          + Duration.ofNanos(openForNanos).toMillis() + " ms, without spending attempts, before a probe call");
    }
  }

  /** The call was not made after all. */
  public synchronized void abandoned(Permit permit) {
    if (permit.probe && permit.generation == generation) {
      probeOut = false;
    }
  }

  public synchronized State state() {
    advance();
    return state;
  }

  /** Retryable failures in a row while closed; how many it took to open while open or half-open. */
  public synchronized int consecutiveFailures() {
    return consecutiveFailures;
  }

  private void open() {
    openedAt = nanoTime.getAsLong();
    moveTo(State.OPEN);
  }

  /** An open breaker turns half-open once {@code openFor} has passed, when someone next looks. */
  private void advance() {
    if (state == State.OPEN && nanoTime.getAsLong() - openedAt >= openForNanos) {
      moveTo(State.HALF_OPEN);
      LOG.info(() -> "circuit breaker of provider " + provider + " half-open: the next call is a probe");
    }
  }

  /** The one place the state changes. */
  private void moveTo(State to) {
    State from = state;
    boolean legal = switch (to) {
      case OPEN -> from == State.CLOSED || from == State.HALF_OPEN;
      case HALF_OPEN -> from == State.OPEN;
      case CLOSED -> from == State.HALF_OPEN;
    };
    if (!legal) {
      throw new IllegalStateException("circuit breaker of provider " + provider + ": no transition from " + from
          + " to " + to);
    }
    state = to;
    generation++;
    listener.changed(from, to);
  }
}
