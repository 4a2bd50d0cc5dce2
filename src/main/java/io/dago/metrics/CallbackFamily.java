package io.dago.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A family whose values live elsewhere (a pool's size, the JVM's heap) and are read when scraped, so that nothing
 * is recorded on any path at all.
 */
final class CallbackFamily extends Collector {
  private static final Logger LOG = Logger.getLogger(CallbackFamily.class.getName());

  /** Where a callback puts its readings: one value per label set. */
  interface Samples {
    /** @param labelValues in the order the family's label names were declared */
    void add(double value, String... labelValues);
  }

  private final Consumer<Samples> read;

  CallbackFamily(String name, Type type, String help, List<String> labelNames, Consumer<Samples> read) {
    super(name, type, help, labelNames);
    this.read = read;
  }

  /**
   * Reads everything first and writes only then, so that a callback that fails leaves its family empty rather
   * than half written, and the rest of the scrape goes on.
   */
  @Override
  void writeSamples(PrometheusText out) {
    record Reading(double value, List<String> labelValues) {}
    List<Reading> readings = new ArrayList<>();
    try {
      read.accept((value, labelValues) -> {
        if (labelValues.length != labelNames.size()) {
          throw new IllegalArgumentException(name + " has labels " + labelNames + ", was given "
              + List.of(labelValues));
        }
        readings.add(new Reading(value, List.of(labelValues)));
      });
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot read metric " + name + "; it is left out of this scrape", e);
      return;
    }
    for (Reading reading : readings) {
      out.sample(name, labelNames, reading.labelValues(), reading.value());
    }
  }
}
