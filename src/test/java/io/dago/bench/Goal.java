package io.dago.bench;

import java.util.Locale;

/**
 * The target for one figure: at least {@code bound} when higher is better, below it (or at most it) otherwise.
 *
 * @param decimals how the bound is written in the table
 */
record Goal(double bound, Kind kind, int decimals) {
  enum Kind {
    AT_LEAST(">= "),
    BELOW("< "),
    AT_MOST("<= ");

    final String sign;

    Kind(String sign) {
      this.sign = sign;
    }
  }

  static Goal atLeast(double bound, int decimals) {
    return new Goal(bound, Kind.AT_LEAST, decimals);
  }

  static Goal below(double bound, int decimals) {
    return new Goal(bound, Kind.BELOW, decimals);
  }

  static Goal atMost(double bound, int decimals) {
    return new Goal(bound, Kind.AT_MOST, decimals);
  }

  boolean isMetBy(double value) {
    return switch (kind) {
      case AT_LEAST -> value >= bound;
      case BELOW -> value < bound;
      case AT_MOST -> value <= bound;
    };
  }

  @Override
  public String toString() {
    return kind.sign + String.format(Locale.ROOT, "%,." + decimals + "f", bound);
  }
}
