package io.dago.llm;

import java.time.Duration;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Decides whether a node may call its provider now: the provider's {@link CircuitBreaker} must let calls through
 * and its {@link AdaptiveConcurrencyLimit} must have a permit free. It is asked before the node's attempt begins, so
 * a node refused here has spent nothing: the engine puts it back in the queue for {@link Admission#retryIn()}.
 *
 * <p>A permit is waited for a little ({@code permitWait}), since one usually frees up within a call's time and the
 * node keeps its place; a breaker that refuses is not waited for, since it refuses for seconds. Refusals carry some
 * jitter, so that the nodes an open breaker sent away do not all come back in the same instant.
 *
 * <p>Thread-safe. Every admitted {@link Pass} must be closed (try-with-resources), after reporting how the call
 * ended if one was made.
 */
public final class ProviderGuard {
  /** Shortest wait before a refused node asks again, so that a race never turns into a busy loop. */
  private static final Duration MIN_RETRY = Duration.ofMillis(50);

  /** Why a node was sent back to the queue. */
  public enum Refusal {
    BREAKER_OPEN, CONCURRENCY_LIMIT;

    /** {@code breaker_open} or {@code concurrency_limit}, as metrics label it. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The answer to {@link #admit}: a pass to call the provider, or why not and when to ask again.
   *
   * @param pass null when refused
   * @param refusal null when admitted
   */
  public record Admission(Pass pass, Refusal refusal, Duration retryIn) {}

  /**
   * The guard as it is now, for health and metrics.
   *
   * @param consecutiveFailures see {@link CircuitBreaker#consecutiveFailures()}
   * @param concurrencyLimit calls let in at once now
   * @param maxConcurrency the most it can grow back to
   * @param inFlight calls admitted and not finished
   */
  public record Snapshot(String provider, CircuitBreaker.State breaker, int consecutiveFailures,
      int concurrencyLimit, int maxConcurrency, int inFlight) {}

  private final String provider;
  private final CircuitBreaker breaker;
  private final AdaptiveConcurrencyLimit limit;
  private final Duration permitWait;
  private final Duration permitRetry;
  private final RandomGenerator random;

  /**
   * @param permitWait how long a node waits for a permit before it goes back to the queue
   * @param permitRetry how long it then stays there
   */
  public ProviderGuard(String provider, CircuitBreaker breaker, AdaptiveConcurrencyLimit limit, Duration permitWait,
      Duration permitRetry, RandomGenerator random) {
    this.provider = provider;
    this.breaker = breaker;
    this.limit = limit;
    this.permitWait = permitWait;
    this.permitRetry = permitRetry;
    this.random = random;
  }

  /** Admits a call, waiting up to {@code permitWait} for a permit, or refuses it. */
  public Admission admit() throws InterruptedException {
    Duration open = breaker.waitTime();
    if (!open.isZero()) {
      return refused(Refusal.BREAKER_OPEN, open);
    }
    AdaptiveConcurrencyLimit.Permit permit = limit.acquire(permitWait);
    if (permit == null) {
      return refused(Refusal.CONCURRENCY_LIMIT, permitRetry);
    }
    // The breaker may have opened, or sent its probe, while this waited for the permit.
    CircuitBreaker.Permit call = breaker.tryAcquire();
    if (call == null) {
      limit.release(permit, AdaptiveConcurrencyLimit.Outcome.OTHER);
      return refused(Refusal.BREAKER_OPEN, breaker.waitTime());
    }
    return new Admission(new Pass(permit, call), null, Duration.ZERO);
  }

  private Admission refused(Refusal refusal, Duration wait) {
    long nanos = Math.max(MIN_RETRY.toNanos(), wait.toNanos());
    return new Admission(null, refusal, Duration.ofNanos(nanos + random.nextLong(nanos / 4 + 1)));
  }

  public Snapshot snapshot() {
    return new Snapshot(provider, breaker.state(), breaker.consecutiveFailures(), limit.limit(), limit.max(),
        limit.inFlight());
  }

  /** Admission to one call. Report its end with {@link #succeeded} or {@link #failed}, then close it. */
  public final class Pass implements AutoCloseable {
    private final AdaptiveConcurrencyLimit.Permit permit;
    private final CircuitBreaker.Permit call;
    private boolean reported;

    private Pass(AdaptiveConcurrencyLimit.Permit permit, CircuitBreaker.Permit call) {
      this.permit = permit;
      this.call = call;
    }

    /** The provider answered. */
    public void succeeded() {
      if (!reported) {
        reported = true;
        breaker.succeeded(call);
        limit.release(permit, AdaptiveConcurrencyLimit.Outcome.SUCCEEDED);
      }
    }

    /** The call failed, timeouts included; a 429 lowers the concurrency limit, a retryable failure counts. */
    public void failed(LlmException error) {
      if (!reported) {
        reported = true;
        breaker.failed(call, error);
        limit.release(permit, error.httpStatus() == 429
            ? AdaptiveConcurrencyLimit.Outcome.RATE_LIMITED : AdaptiveConcurrencyLimit.Outcome.OTHER);
      }
    }

    /** Ends the pass; a pass nothing was reported on made no call (a duplicate, a cache hit, a cancelled call). */
    @Override
    public void close() {
      if (!reported) {
        reported = true;
        breaker.abandoned(call);
        limit.release(permit, AdaptiveConcurrencyLimit.Outcome.OTHER);
      }
    }
  }
}
