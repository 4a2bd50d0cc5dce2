package io.dago.graph;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Reads the fields of one JSON object, reporting each bad one as a {@link Problem} at its path instead of
 * throwing, so that one pass over a document finds all of its problems. A field set to null counts as absent.
 * The typed getters return null both when the field is absent and when it is wrong; the difference is that a wrong
 * one has been reported.
 */
final class FieldReader {
  private final Map<String, Object> object;
  private final String path;
  private final List<Problem> problems;

  FieldReader(Map<String, Object> object, String path, List<Problem> problems) {
    this.object = object;
    this.path = path;
    this.problems = problems;
  }

  String path(String field) {
    return JsonPath.field(path, field);
  }

  boolean has(String field) {
    return object.get(field) != null;
  }

  void problem(String field, String message) {
    problems.add(new Problem(path(field), message));
  }

  /** Reports every field not in {@code known}, with a hint when it looks like a slip for one that is. */
  void rejectUnknown(List<String> known) {
    for (String field : object.keySet()) {
      if (!known.contains(field)) {
        String closest = ClosestName.among(field, known);
        problem(field, closest != null
            ? "unknown field '" + field + "': did you mean '" + closest + "'?"
            : "unknown field '" + field + "'; the known fields here are " + String.join(", ", known));
      }
    }
  }

  String string(String field) {
    Object value = object.get(field);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    problem(field, "must be a string, got " + typeOf(value));
    return null;
  }

  String requiredString(String field) {
    if (!has(field)) {
      problem(field, "is required");
      return null;
    }
    return string(field);
  }

  /** @return the value, or null when it is absent or not an integer within {@code min..max} (integral 2.0 counts) */
  Long integer(String field, long min, long max) {
    Object value = object.get(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number)) {
      problem(field, "must be an integer, got " + typeOf(value));
      return null;
    }
    BigDecimal exact = exact(number);
    if (exact == null || (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0)) {
      problem(field, "must be an integer, got " + number);
      return null;
    }
    if (exact.compareTo(BigDecimal.valueOf(min)) < 0 || exact.compareTo(BigDecimal.valueOf(max)) > 0) {
      problem(field, "must be between " + min + " and " + max + ", got " + number);
      return null;
    }
    return exact.longValue();
  }

  /** @return the value, or null when it is absent or not a number within {@code min..max} */
  Double number(String field, double min, double max) {
    Object value = object.get(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number)) {
      problem(field, "must be a number, got " + typeOf(value));
      return null;
    }
    double d = number.doubleValue();
    if (!(d >= min && d <= max)) {
      problem(field, "must be between " + plain(min) + " and " + plain(max) + ", got " + number);
      return null;
    }
    return d;
  }

  /** @return the value, or null when it is absent or not a boolean */
  Boolean bool(String field) {
    Object value = object.get(field);
    if (value == null || value instanceof Boolean) {
      return (Boolean) value;
    }
    problem(field, "must be true or false, got " + typeOf(value));
    return null;
  }

  Map<String, Object> object(String field) {
    Object value = object.get(field);
    if (value == null) {
      return null;
    }
    if (value instanceof Map<?, ?>) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) value;
      return map;
    }
    problem(field, "must be an object, got " + typeOf(value));
    return null;
  }

  List<?> array(String field) {
    Object value = object.get(field);
    if (value == null) {
      return null;
    }
    if (value instanceof List<?> list) {
      return list;
    }
    problem(field, "must be an array, got " + typeOf(value));
    return null;
  }

  /** The JSON kind of a parsed value, with its article, for messages such as "must be a string, got a number". */
  static String typeOf(Object value) {
    return switch (value) {
      case null -> "null";
      case Map<?, ?> m -> "an object";
      case List<?> l -> "an array";
      case String s -> "a string";
      case Number n -> "a number";
      case Boolean b -> "a boolean";
      default -> "a " + value.getClass().getSimpleName();
    };
  }

  /** @return the number as an exact decimal, or null when it has none (infinite or NaN) */
  private static BigDecimal exact(Number number) {
    return switch (number) {
      case Integer i -> BigDecimal.valueOf(i);
      case Long l -> BigDecimal.valueOf(l);
      case BigInteger b -> new BigDecimal(b);
      case BigDecimal d -> d;
      default -> Double.isFinite(number.doubleValue()) ? BigDecimal.valueOf(number.doubleValue()) : null;
    };
  }

  private static String plain(double bound) {
    return BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
  }
}
