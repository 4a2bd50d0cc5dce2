package io.dago.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A metric with labels: one series per label set, made on first use and kept for the life of the process.
 *
 * <p>Label values must come from small, known sets: a status, a route template, a provider and model. A family
 * holds at most {@code maxSeries} label sets. Past that, a new label set is not created: its recordings go to one
 * series whose every label is {@value #OVERFLOW}, and a warning names the family once. So a label fed with
 * unbounded values by mistake (a graph id, a raw path) costs bounded memory and scrape time, totals stay right,
 * and recording never throws on a hot path.
 *
 * <p>Hot paths that know their label values up front (statuses, event types) look the series up once and keep
 * it; the rest pay one {@link ConcurrentHashMap} lookup per recording.
 */
final class Family<S extends Series> extends Collector {
  private static final Logger LOG = Logger.getLogger(Family.class.getName());
  static final String OVERFLOW = "other";

  private final Supplier<S> newSeries;
  private final int maxSeries;
  private final ConcurrentHashMap<List<String>, S> series = new ConcurrentHashMap<>();
  private boolean warned;

  Family(String name, Type type, String help, List<String> labelNames, int maxSeries, Supplier<S> newSeries) {
    super(name, type, help, labelNames);
    this.newSeries = newSeries;
    this.maxSeries = maxSeries;
  }

  /**
   * The series for these label values, in the order the label names were declared.
   *
   * @throws IllegalArgumentException when the number of values is wrong
   * @throws NullPointerException when a value is null
   */
  S labels(String... values) {
    List<String> key = List.of(values);
    S existing = series.get(key);
    return existing != null ? existing : create(key);
  }

  private synchronized S create(List<String> key) {
    if (key.size() != labelNames.size()) {
      throw new IllegalArgumentException(name + " has labels " + labelNames + ", was given values " + key);
    }
    S existing = series.get(key);
    if (existing != null) {
      return existing;
    }
    if (series.size() >= maxSeries) {
      if (!warned) {
        warned = true;
        LOG.warning("metric " + name + " reached its limit of " + maxSeries + " label sets; further ones, such as "
            + key + ", are counted under \"" + OVERFLOW + "\" (a label is being given unbounded values)");
      }
      // The overflow series may take the family one past its limit; it is never more than one.
      return series.computeIfAbsent(Collections.nCopies(labelNames.size(), OVERFLOW), k -> newSeries.get());
    }
    S created = newSeries.get();
    series.put(key, created);
    return created;
  }

  /** Label sets held; at most the limit plus the overflow series. */
  int size() {
    return series.size();
  }

  @Override
  void writeSamples(PrometheusText out) {
    List<Map.Entry<List<String>, S>> sorted = new ArrayList<>(series.entrySet());
    sorted.sort(Map.Entry.comparingByKey(Family::compareLabelValues));
    for (Map.Entry<List<String>, S> entry : sorted) {
      entry.getValue().write(out, name, labelNames, entry.getKey());
    }
  }

  private static int compareLabelValues(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
