package io.dago.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations as operators write them in the environment: {@code 600} (seconds) or a whole number with a unit,
 * {@code 90s}, {@code 10m}, {@code 12h}, {@code 7d}; and back again for logs.
 */
final class DurationText {
  private DurationText() {}

  /** The duration {@code text} names, or null when it is not of that form (or too large to hold). */
  static Duration parse(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      return null;
    }
    char unit = s.charAt(s.length() - 1);
    long secondsPerUnit = switch (unit) {
      case 's' -> 1;
      case 'm' -> 60;
      case 'h' -> 3600;
      case 'd' -> 86_400;
      default -> 0;
    };
    String digits = secondsPerUnit == 0 ? s : s.substring(0, s.length() - 1);
    // Digits only (Long.parseLong would also take "+5" and "-5"), and at most 12 of them: 10^12 days still fit a
    // long of seconds, and no setting needs more than that.
    if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    return Duration.ofSeconds(Long.parseLong(digits) * Math.max(secondsPerUnit, 1));
  }

  /** The largest whole unit that states {@code d} exactly: {@code 7d}, {@code 90m}, {@code 45s}, {@code 250ms}. */
  static String format(Duration d) {
    long millis = d.toMillis();
    if (millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds != 0 && seconds % 86_400 == 0) {
      return seconds / 86_400 + "d";
    }
    if (seconds != 0 && seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds != 0 && seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }
}
