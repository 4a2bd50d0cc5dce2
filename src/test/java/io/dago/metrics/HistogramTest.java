package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HistogramTest {
  private final MetricRegistry registry = new MetricRegistry();

  @Test
  void bucketsAreCumulativeAndInfEqualsTheCount() {
    Histogram histogram = registry.histogram("spread_seconds", "Spread.", new double[] {0.1, 1, 10});
    for (double value : new double[] {0.05, 0.5, 0.5, 5, 5, 5, 50}) {
      histogram.observe(value);
    }

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(1, scrape.value("spread_seconds_bucket{le=\"0.1\"}"));
    assertEquals(3, scrape.value("spread_seconds_bucket{le=\"1\"}"));
    assertEquals(6, scrape.value("spread_seconds_bucket{le=\"10\"}"));
    assertEquals(7, scrape.value("spread_seconds_bucket{le=\"+Inf\"}"));
    assertEquals(7, scrape.value("spread_seconds_count"));
    assertEquals(66.05, scrape.value("spread_seconds_sum"), 1e-9);
  }

  @Test
  void aValueOnABoundCountsAsLessOrEqual() {
    Histogram histogram = registry.histogram("edge_seconds", "Edge.", new double[] {0.005, 1});
    histogram.observe(0.005);
    histogram.observe(1);

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(1, scrape.value("edge_seconds_bucket{le=\"0.005\"}"));
    assertEquals(2, scrape.value("edge_seconds_bucket{le=\"1\"}"));
  }

  @Test
  void nanosecondsAreRecordedInSeconds() {
    Histogram histogram = registry.histogram("nanos_seconds", "Nanos.", new double[] {0.001, 1});
    histogram.observeNanos(250_000_000);

    assertEquals(0.25, histogram.sum());
    assertEquals(1, Exposition.parse(registry.scrape()).value("nanos_seconds_bucket{le=\"1\"}"));
  }

  @Test
  void bucketBoundsMustBeFiniteAndIncreasing() {
    assertThrows(IllegalArgumentException.class, () -> registry.histogram("a_seconds", "A.", new double[] {}));
    assertThrows(IllegalArgumentException.class, () -> registry.histogram("b_seconds", "B.", new double[] {1, 1}));
    assertThrows(IllegalArgumentException.class, () -> registry.histogram("c_seconds", "C.", new double[] {2, 1}));
    assertThrows(IllegalArgumentException.class,
        () -> registry.histogram("d_seconds", "D.", new double[] {1, Double.POSITIVE_INFINITY}));
  }
}
