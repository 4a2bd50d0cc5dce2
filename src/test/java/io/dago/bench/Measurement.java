package io.dago.bench;

/** One figure from one run. */
record Measurement(Figure figure, double value) {
  @Override
  public String toString() {
    return figure.label + " " + figure.format(value);
  }
}
