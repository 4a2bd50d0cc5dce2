package io.dago.metrics;

import java.util.List;

/** One time series (or, for a histogram, one group of them) that can write its current value. */
interface Series {

  /** Writes the series' sample lines; called by scrapes, concurrently with recording. */
  void write(PrometheusText out, String name, List<String> labelNames, List<String> labelValues);
}
