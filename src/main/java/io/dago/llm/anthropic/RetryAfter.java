package io.dago.llm.anthropic;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reads a {@code retry-after} header: delay seconds (the API may send fractions) or an HTTP date. */
final class RetryAfter {
  private RetryAfter() {}

  /**
   * @param now the current time, to turn a date into a delay
   * @return the delay, never negative; null when the header is absent or unreadable, so a bad header
   *     falls back to the caller's own backoff instead of failing the call
   */
  static Duration parse(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String trimmed = value.strip();
    try {
      BigDecimal seconds = new BigDecimal(trimmed);
      if (seconds.signum() <= 0) {
        return Duration.ZERO;
      }
      return Duration.ofNanos(seconds.movePointRight(9).setScale(0, RoundingMode.CEILING).longValueExact());
    } catch (NumberFormatException | ArithmeticException notSeconds) {
      // fall through to the date form; an absurdly large number is as useless as a malformed one
    }
    try {
      Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
    } catch (DateTimeParseException notDate) {
      return null;
    }
  }
}
