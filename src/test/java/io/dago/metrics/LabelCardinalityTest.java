package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LabelCardinalityTest {

  @Test
  void pastTheLimitNewLabelSetsAreFoldedIntoOneOtherSeries() {
    MetricRegistry registry = new MetricRegistry(3);
    Family<Counter> byId = registry.counter("by_id_total", "Fed with ids by mistake.", "id", "kind");
    for (int i = 0; i < 100; i++) {
      byId.labels("graph-" + i, "x").inc();
    }

    assertEquals(4, byId.size(), "the limit, plus the one overflow series");
    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(97, scrape.value("by_id_total{id=\"other\",kind=\"other\"}"));
    assertEquals(1, scrape.value("by_id_total{id=\"graph-0\",kind=\"x\"}"));
    assertSame(byId.labels("graph-50", "x"), byId.labels("graph-99", "y"));
  }

  @Test
  void labelSetsCreatedBeforeTheLimitKeepTheirOwnSeries() {
    MetricRegistry registry = new MetricRegistry(2);
    Family<Counter> family = registry.counter("kept_total", "Kept.", "status");
    Counter ok = family.labels("ok");
    family.labels("failed");
    family.labels("third");

    assertSame(ok, family.labels("ok"));
  }

  @Test
  void aWrongNumberOfLabelValuesIsRefused() {
    Family<Counter> family = new MetricRegistry().counter("two_labels_total", "Two labels.", "a", "b");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> family.labels("only-one"));
    assertEquals("two_labels_total has labels [a, b], was given values [only-one]", e.getMessage());
  }

  @Test
  void aNullLabelValueIsRefused() {
    Family<Counter> family = new MetricRegistry().counter("one_label_total", "One label.", "a");

    assertThrows(NullPointerException.class, () -> family.labels((String) null));
  }
}
