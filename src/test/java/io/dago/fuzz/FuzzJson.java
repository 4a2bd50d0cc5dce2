package io.dago.fuzz;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON trees the way a fuzzer needs to: besides maps, lists, strings, numbers, booleans and null, a tree may
 * hold {@link Raw} text that goes out verbatim ({@code NaN}, {@code 1e99999}, {@code 01}, a trailing comma) and
 * {@link DuplicateKey} objects that repeat a key. Strings go out with their characters as they are or all escaped,
 * and a lone surrogate always as a {@code \uD800} escape (it has no UTF-8 form).
 */
final class FuzzJson {
  /** Text written as it is, valid JSON or not. */
  record Raw(String text) {}

  /** An object that has {@code key} twice: first with its value in {@code object}, then with {@code second}. */
  record DuplicateKey(Map<String, Object> object, String key, Object second) {}

  private FuzzJson() {}

  static String write(Object tree, boolean escapeUnicode) {
    StringBuilder out = new StringBuilder();
    write(out, tree, escapeUnicode);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value, boolean escapeUnicode) {
    switch (value) {
      case null -> out.append("null");
      case Raw raw -> out.append(raw.text());
      case String s -> string(out, s, escapeUnicode);
      case Boolean b -> out.append(b);
      case Double d when !Double.isFinite(d) -> out.append(d.isNaN() ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
      case BigDecimal d -> out.append(d.toString());
      case BigInteger i -> out.append(i.toString());
      case Number n -> out.append(n);
      case DuplicateKey dup -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : dup.object().entrySet()) {
          first = member(out, first, String.valueOf(entry.getKey()), entry.getValue(), escapeUnicode);
        }
        member(out, first, dup.key(), dup.second(), escapeUnicode);
        out.append('}');
      }
      case Map<?, ?> map -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          first = member(out, first, String.valueOf(entry.getKey()), entry.getValue(), escapeUnicode);
        }
        out.append('}');
      }
      case List<?> list -> {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(out, list.get(i), escapeUnicode);
        }
        out.append(']');
      }
      default -> throw new IllegalArgumentException("not a JSON value: " + value.getClass());
    }
  }

  private static boolean member(StringBuilder out, boolean first, String key, Object value, boolean escapeUnicode) {
    if (!first) {
      out.append(',');
    }
    string(out, key, escapeUnicode);
    out.append(':');
    write(out, value, escapeUnicode);
    return false;
  }

  static void string(StringBuilder out, String s, boolean escapeUnicode) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean lone = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1)))
          && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || lone || (escapeUnicode && c > 0x7e)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
