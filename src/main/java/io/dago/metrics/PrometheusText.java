package io.dago.metrics;

import java.math.BigDecimal;
import java.util.List;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: per family a {@code # HELP} and a {@code # TYPE}
 * line, then one line per sample, {@code name{label="value",...} number}.
 *
 * <p>Escaping follows the format's two rules: in HELP text a backslash and a line feed become {@code \\} and
 * {@code \n}; in label values a double quote becomes {@code \"} as well. Numbers are written as Go's
 * {@code strconv.FormatFloat(v, 'g', -1, 64)} writes them (the Prometheus server and client_golang do), except that
 * whole numbers are written in full, as client_java does; so bucket bounds come out as {@code 0.005}, {@code 1},
 * {@code 2.5} and {@code +Inf}, the same {@code le} values every other Prometheus client exports.
 */
final class PrometheusText {
  /** Whole numbers below this are written digit by digit; beyond it a double no longer holds every integer. */
  private static final double EXACT_INTEGERS = 0x1p53;

  private final StringBuilder out = new StringBuilder(16 * 1024);

  void header(String name, Type type, String help) {
    out.append("# HELP ").append(name).append(' ');
    escapeHelp(help, out);
    out.append("\n# TYPE ").append(name).append(' ').append(type.wireName()).append('\n');
  }

  void sample(String name, List<String> labelNames, List<String> labelValues, double value) {
    out.append(name);
    labels(labelNames, labelValues, null);
    out.append(' ').append(formatValue(value)).append('\n');
  }

  /** A {@code _bucket} line: the family's labels and then {@code le}. */
  void bucket(String name, List<String> labelNames, List<String> labelValues, String le, long cumulativeCount) {
    out.append(name);
    labels(labelNames, labelValues, le);
    out.append(' ').append(cumulativeCount).append('\n');
  }

  String text() {
    return out.toString();
  }

  /** Characters written so far; with {@link #truncate}, takes back a family that turned out to have no samples. */
  int length() {
    return out.length();
  }

  void truncate(int length) {
    out.setLength(length);
  }

  private void labels(List<String> names, List<String> values, String le) {
    if (names.isEmpty() && le == null) {
      return;
    }
    out.append('{');
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(names.get(i)).append("=\"");
      escapeLabelValue(values.get(i), out);
      out.append('"');
    }
    if (le != null) {
      out.append(names.isEmpty() ? "" : ",").append("le=\"").append(le).append('"');
    }
    out.append('}');
  }

  static void escapeHelp(String text, StringBuilder to) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\\' -> to.append("\\\\");
        case '\n' -> to.append("\\n");
        default -> to.append(c);
      }
    }
  }

  static void escapeLabelValue(String value, StringBuilder to) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> to.append("\\\\");
        case '"' -> to.append("\\\"");
        case '\n' -> to.append("\\n");
        default -> to.append(c);
      }
    }
  }

  /** A sample's value: whole numbers in full, anything else as {@link #formatFloat} does. */
  static String formatValue(double value) {
    if (value == Math.rint(value) && Math.abs(value) < EXACT_INTEGERS) {
      return Long.toString((long) value);
    }
    return formatFloat(value);
  }

  /**
   * Go's {@code strconv.FormatFloat(v, 'g', -1, 64)}: the shortest decimal that reads back as the same double, in
   * exponent form when the decimal exponent is below -4 or at least 6 ({@code 1e-05}, {@code 1.5e+06}).
   */
  static String formatFloat(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    String sign = value < 0 || (value == 0 && 1 / value < 0) ? "-" : "";
    if (value == 0) {
      return sign + "0";
    }
    // Double.toString gives the shortest decimal that round-trips (JDK 19 and later); BigDecimal takes it apart.
    BigDecimal decimal = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
    String digits = decimal.unscaledValue().toString();
    int exponent = digits.length() - 1 - decimal.scale();
    if (exponent >= -4 && exponent < 6) {
      return sign + decimal.toPlainString();
    }
    StringBuilder text = new StringBuilder(sign).append(digits.charAt(0));
    if (digits.length() > 1) {
      text.append('.').append(digits, 1, digits.length());
    }
    text.append('e').append(exponent < 0 ? '-' : '+');
    int magnitude = Math.abs(exponent);
    if (magnitude < 10) {
      text.append('0');
    }
    return text.append(magnitude).toString();
  }
}
