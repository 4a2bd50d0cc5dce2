package io.dago.store;

/**
 * The state store, event bus or task queue cannot be reached (Redis is down or unreachable). Nothing was changed
 * by the call that threw it; callers answer {@code 503 unavailable} or try again later.
 */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
