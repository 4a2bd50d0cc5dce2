package io.dago.api.ws;

import java.nio.charset.StandardCharsets;

/** The close codes the WebSocket API ends connections with, and the one rule for their reasons. */
final class CloseCodes {
  /** The followed graph's terminal event was sent: nothing more will come. */
  static final int FINISHED = 1000;
  /** The server is shutting down; reconnect elsewhere or later. */
  static final int GOING_AWAY = 1001;
  /** The server failed; a bug, logged. */
  static final int INTERNAL_ERROR = 1011;
  /** "Try again later": the client fell further behind than its send buffer allows. */
  static final int TOO_SLOW = 1013;
  /** The path or query is not one the API serves. */
  static final int BAD_REQUEST = 4400;
  /** No valid bearer token: missing or wrong, the client is not told which. */
  static final int UNAUTHORIZED = 4401;
  /** No graph has the requested id. */
  static final int NOT_FOUND = 4404;
  /** The caller's rate limit is used up; the reason says when to try again. */
  static final int RATE_LIMITED = 4429;

  /** A close frame's payload is at most 125 bytes, two of them the code. */
  private static final int MAX_REASON_BYTES = 123;

  private CloseCodes() {}

  /** Shortens a reason to what a close frame can carry, never splitting a character. */
  static String reason(String text) {
    if (text.getBytes(StandardCharsets.UTF_8).length <= MAX_REASON_BYTES) {
      return text;
    }
    String cut = text;
    while (cut.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES - 3) {
      cut = cut.substring(0, Character.isLowSurrogate(cut.charAt(cut.length() - 1)) ? cut.length() - 2
          : cut.length() - 1);
    }
    return cut + "...";
  }
}
