package io.dago.api.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A request's query parameters with typed access. Every bad value is a 400 {@code invalid_request} whose message
 * names the parameter, the accepted values and what was sent. An empty value counts as absent, so
 * {@code ?status=&limit=} means the defaults. When a parameter is repeated, the first one counts.
 */
final class Query {
  private static final Query EMPTY = new Query(Map.of());

  private final Map<String, String> values;

  private Query(Map<String, String> values) {
    this.values = values;
  }

  /** @param rawQuery the query as sent, still percent-encoded; null when there is none */
  static Query parse(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return EMPTY;
    }
    Map<String, String> values = new HashMap<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!name.isEmpty()) {
        values.putIfAbsent(name, value);
      }
    }
    return new Query(values);
  }

  /** @return the value, or null when absent or empty */
  String string(String name) {
    String value = values.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  /** @return the value when absent, else an integer in {@code [min, max]} */
  int intValue(String name, int min, int max, int whenAbsent) {
    return (int) longValue(name, min, max, whenAbsent);
  }

  /** @return the value when absent, else an integer in {@code [min, max]} */
  long longValue(String name, long min, long max, long whenAbsent) {
    String value = string(name);
    if (value == null) {
      return whenAbsent;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below, with the same message as a number out of range
    }
    throw HttpError.badRequest("query parameter '" + name + "' must be " + describe(min, max) + ", not '" + value + "'");
  }

  private static String describe(long min, long max) {
    if (max == Long.MAX_VALUE) {
      return min == 0 ? "a non-negative integer" : "an integer of at least " + min;
    }
    return "an integer from " + min + " to " + max;
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("the query string is not valid percent-encoding: '" + text + "'");
    }
  }
}
