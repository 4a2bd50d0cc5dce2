package io.dago.llm;

import java.time.Duration;

/**
 * A call failed. Carries what the engine needs to decide on a retry and what the user needs to act.
 * The message never contains a secret.
 */
public final class LlmException extends Exception {
  private final String code;
  private final boolean retryable;
  private final int httpStatus;
  private final Duration retryAfter;

  /**
   * @param code stable error code, e.g. {@code rate_limited}, {@code overloaded}, {@code authentication_failed}
   * @param httpStatus the provider's HTTP status, or 0 when there was no response
   * @param retryAfter how long the provider asked us to wait, or null
   */
  public LlmException(String code, String message, boolean retryable, int httpStatus, Duration retryAfter) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
    this.httpStatus = httpStatus;
    this.retryAfter = retryAfter;
  }

  public String code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** @return the delay the provider asked for, or null */
  public Duration retryAfter() {
    return retryAfter;
  }
}
