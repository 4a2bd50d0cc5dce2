package io.dago.graph;

/** How often and how patiently a node retries a retryable failure. Backoff doubles from the initial value up to the max. */
public record RetrySpec(int maxAttempts, long initialBackoffMs, long maxBackoffMs) {

  public static final RetrySpec DEFAULT = new RetrySpec(3, 1_000, 30_000);
}
