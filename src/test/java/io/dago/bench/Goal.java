package io.dago.bench;

import java.util.Locale;

/**
 * The target for one figure: at least {@code bound} when higher is better, below it otherwise.
 *
 * @param decimals how the bound is written in the table
 */
record Goal(double bound, boolean higherIsBetter, int decimals) {
  static Goal atLeast(double bound, int decimals) {
    return new Goal(bound, true, decimals);
  }

  static Goal below(double bound, int decimals) {
    return new Goal(bound, false, decimals);
  }

  boolean isMetBy(double value) {
    return higherIsBetter ? value >= bound : value < bound;
  }

  @Override
  public String toString() {
    return (higherIsBetter ? ">= " : "< ") + String.format(Locale.ROOT, "%,." + decimals + "f", bound);
  }
}
