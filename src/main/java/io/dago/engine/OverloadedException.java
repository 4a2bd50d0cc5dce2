package io.dago.engine;

import java.time.Duration;

/**
 * A submission refused because more ready nodes wait than {@code DAGO_MAX_QUEUED_NODES}: nothing was stored, and the
 * same request may be sent again after {@link #retryAfter()}.
 */
public final class OverloadedException extends RuntimeException {
  private final Duration retryAfter;

  public OverloadedException(int queued, int maxQueued, Duration retryAfter) {
    // An expected answer under load, not a fault: no stack trace to fill in on every refusal.
    super("dago is overloaded: " + queued + " ready nodes are waiting for a worker, more than DAGO_MAX_QUEUED_NODES ("
        + maxQueued + "); nothing was accepted, retry in " + retryAfter.toSeconds() + " s", null, false, false);
    this.retryAfter = retryAfter;
  }

  /** How long the client should wait before submitting again; whole seconds. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
