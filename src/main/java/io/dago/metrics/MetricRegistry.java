package io.dago.metrics;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * The metric families of one dago instance, and their exposition for {@code GET /metrics}.
 *
 * <p>Families are declared once, when dago starts, and checked then against Prometheus' naming rules (counters end
 * in {@code _total}, nothing else does, no name is used twice, histograms keep {@code le} for themselves), so that a
 * scrape never carries a mistake {@code promtool check metrics} would flag. Declaring is synchronised; recording
 * into the series handed out takes no lock, and a scrape reads them while recording goes on.
 */
public final class MetricRegistry {
  /** The {@code Content-Type} of {@link #scrape()}'s text. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** Label sets per family before further ones are folded into one; see {@link Family}. */
  static final int DEFAULT_MAX_SERIES = 500;

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final String[] NO_LABELS = {};

  /** Sorted by name, so that scrapes list families in the same order every time. */
  private final ConcurrentSkipListMap<String, Collector> families = new ConcurrentSkipListMap<>();
  /** Every family and sample name in use, a histogram's {@code _bucket}, {@code _sum} and {@code _count} included. */
  private final Set<String> sampleNames = new HashSet<>();
  private final int maxSeries;

  public MetricRegistry() {
    this(DEFAULT_MAX_SERIES);
  }

  MetricRegistry(int maxSeries) {
    this.maxSeries = maxSeries;
  }

  Counter counter(String name, String help) {
    return counter(name, help, NO_LABELS).labels();
  }

  Family<Counter> counter(String name, String help, String... labelNames) {
    return add(new Family<>(name, Type.COUNTER, help, labelNames(labelNames, false), maxSeries, Counter::new));
  }

  Gauge gauge(String name, String help) {
    return add(new Family<>(name, Type.GAUGE, help, List.of(), maxSeries, Gauge::new)).labels();
  }

  /** A gauge read when scraped, for values that already live elsewhere. */
  void gauge(String name, String help, DoubleSupplier value) {
    add(new CallbackFamily(name, Type.GAUGE, help, List.of(), samples -> samples.add(value.getAsDouble())));
  }

  /** A counter read when scraped, for counts kept elsewhere (CPU time, collections); must never go down. */
  void counter(String name, String help, DoubleSupplier value) {
    add(new CallbackFamily(name, Type.COUNTER, help, List.of(), samples -> samples.add(value.getAsDouble())));
  }

  /** A labelled family read when scraped: the callback gives one value per label set. */
  void callback(Type type, String name, String help, List<String> labelNames, Consumer<CallbackFamily.Samples> read) {
    if (type == Type.HISTOGRAM) {
      throw new IllegalArgumentException(name + ": histograms cannot be read from a callback");
    }
    add(new CallbackFamily(name, type, help, labelNames(labelNames.toArray(NO_LABELS), false), read));
  }

  /** @param bounds the buckets' upper bounds in base units (seconds, bytes); {@code +Inf} is added */
  Histogram histogram(String name, String help, double[] bounds) {
    return histogram(name, help, bounds, NO_LABELS).labels();
  }

  Family<Histogram> histogram(String name, String help, double[] bounds, String... labelNames) {
    double[] checked = bounds(name, bounds);
    String[] boundLabels = Arrays.stream(checked).mapToObj(PrometheusText::formatFloat).toArray(String[]::new);
    return add(new Family<>(name, Type.HISTOGRAM, help, labelNames(labelNames, true), maxSeries,
        () -> new Histogram(checked, boundLabels)));
  }

  /** Every family in the text format 0.0.4; families without a sample yet are left out. */
  public String scrape() {
    PrometheusText out = new PrometheusText();
    for (Collector family : families.values()) {
      int start = out.length();
      out.header(family.name, family.type, family.help);
      int samples = out.length();
      family.writeSamples(out);
      if (out.length() == samples) {
        out.truncate(start);
      }
    }
    return out.text();
  }

  private synchronized <C extends Collector> C add(C family) {
    String name = family.name;
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a metric name: letters, digits and '_' only");
    }
    if (family.help == null || family.help.isBlank()) {
      throw new IllegalArgumentException(name + " needs a help text");
    }
    boolean total = name.endsWith("_total");
    if (family.type == Type.COUNTER && !total) {
      throw new IllegalArgumentException("counter " + name + " must end in _total");
    }
    if (family.type != Type.COUNTER && total) {
      throw new IllegalArgumentException(family.type.wireName() + " " + name + " must not end in _total");
    }
    List<String> names = family.type == Type.HISTOGRAM
        ? List.of(name, name + "_bucket", name + "_sum", name + "_count")
        : List.of(name);
    for (String sample : names) {
      if (sampleNames.contains(sample)) {
        throw new IllegalArgumentException("metric name " + sample + " is already taken");
      }
    }
    sampleNames.addAll(names);
    families.put(name, family);
    return family;
  }

  private static List<String> labelNames(String[] names, boolean histogram) {
    for (String label : names) {
      if (!NAME.matcher(label).matches() || label.startsWith("__")) {
        throw new IllegalArgumentException("'" + label + "' is not a label name");
      }
      if (histogram && label.equals("le")) {
        throw new IllegalArgumentException("'le' is the histogram's own label");
      }
    }
    List<String> list = List.of(names);
    if (new HashSet<>(list).size() != list.size()) {
      throw new IllegalArgumentException("label names repeat: " + list);
    }
    return list;
  }

  private static double[] bounds(String name, double[] bounds) {
    if (bounds.length == 0) {
      throw new IllegalArgumentException(name + " needs at least one bucket bound");
    }
    for (int i = 0; i < bounds.length; i++) {
      if (!Double.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
        throw new IllegalArgumentException(name + "'s bucket bounds must be finite and increasing, not "
            + Arrays.toString(bounds));
      }
    }
    return bounds.clone();
  }
}
