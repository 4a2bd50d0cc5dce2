package io.dago.state;

/**
 * An error as users see it on a node or a graph.
 *
 * @param code a stable machine-readable code such as {@code rate_limited} or {@code timeout}
 * @param message what happened and what to do about it; never a stack trace, never a secret
 */
public record ErrorInfo(String code, String message, boolean retryable) {}
