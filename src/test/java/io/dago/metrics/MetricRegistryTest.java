package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricRegistryTest {
  private final MetricRegistry registry = new MetricRegistry();

  @Test
  void countersMustEndInTotalAndNothingElseMay() {
    assertMessage("counter dago_hits must end in _total", () -> registry.counter("dago_hits", "Hits."));
    assertMessage("gauge dago_open_total must not end in _total", () -> registry.gauge("dago_open_total", "Open."));
    assertMessage("histogram dago_wait_total must not end in _total",
        () -> registry.histogram("dago_wait_total", "Wait.", new double[] {1}));
  }

  @Test
  void aNameIsTakenOnceHistogramSuffixesIncluded() {
    registry.histogram("dago_call_seconds", "Calls.", new double[] {1});

    assertMessage("metric name dago_call_seconds is already taken",
        () -> registry.gauge("dago_call_seconds", "Again."));
    assertMessage("metric name dago_call_seconds_count is already taken",
        () -> registry.gauge("dago_call_seconds_count", "Clash."));
  }

  @Test
  void namesAndLabelNamesFollowPrometheusRules() {
    assertMessage("'dago-hits_total' is not a metric name", () -> registry.counter("dago-hits_total", "Hits."));
    assertMessage("'dago:hits_total' is not a metric name", () -> registry.counter("dago:hits_total", "Hits."));
    assertMessage("'__reserved' is not a label name", () -> registry.counter("a_total", "A.", "__reserved"));
    assertMessage("'le' is the histogram's own label",
        () -> registry.histogram("b_seconds", "B.", new double[] {1}, "le"));
    assertMessage("label names repeat: [x, x]", () -> registry.counter("c_total", "C.", "x", "x"));
    assertMessage("d_total needs a help text", () -> registry.counter("d_total", " "));
  }

  @Test
  void aCallbackThatFailsLeavesOnlyItsOwnFamilyOut() {
    registry.gauge("broken_value", "Broken.", () -> {
      throw new IllegalStateException("the pool is gone");
    });
    registry.gauge("fine_value", "Fine.", () -> 42);

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(List.of("fine_value"), scrape.families());
    assertEquals(42, scrape.value("fine_value"));
  }

  @Test
  void labelledCallbacksWriteOneSamplePerLabelSet() {
    registry.callback(Type.GAUGE, "pool_connections", "Connections.", List.of("state"), samples -> {
      samples.add(3, "active");
      samples.add(7, "idle");
    });

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(3, scrape.value("pool_connections{state=\"active\"}"));
    assertEquals(7, scrape.value("pool_connections{state=\"idle\"}"));
  }

  private static void assertMessage(String expectedStart, Runnable declaration) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, declaration::run);
    assertEquals(expectedStart, e.getMessage().substring(0, Math.min(expectedStart.length(), e.getMessage().length())),
        e.getMessage());
  }
}
