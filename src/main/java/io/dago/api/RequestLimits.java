package io.dago.api;

/** The bounds every API puts on what a request may ask for, so that HTTP and gRPC answer alike. */
public final class RequestLimits {
  /** Longest a "wait for the graph to finish" read may block. */
  public static final int MAX_WAIT_SECONDS = 60;
  /** Graphs per listing page when the client names no limit, and the most it may ask for. */
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 1000;
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

  private RequestLimits() {}
}
