package io.dago.metrics;

import java.util.Locale;

/** The metric types dago exports; summaries are left out on purpose (histograms aggregate, summaries do not). */
enum Type {
  COUNTER, GAUGE, HISTOGRAM;

  /** The word on the {@code # TYPE} line. */
  String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
