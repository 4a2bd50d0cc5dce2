package io.dago.metrics;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A whole number that goes up and down as things start and end (graphs running, connections open). Values that
 * already live elsewhere (pool size, queue length) are not copied into one of these: they are read at scrape time
 * with {@link MetricRegistry#gauge(String, String, java.util.function.DoubleSupplier)}.
 */
final class Gauge implements Series {
  private final LongAdder value = new LongAdder();

  void inc() {
    value.increment();
  }

  void dec() {
    value.decrement();
  }

  long value() {
    return value.sum();
  }

  @Override
  public void write(PrometheusText out, String name, List<String> labelNames, List<String> labelValues) {
    out.sample(name, labelNames, labelValues, value.sum());
  }
}
