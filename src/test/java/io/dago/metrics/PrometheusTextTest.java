package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void aScrapeIsHelpTypeAndSampleLinesPerFamilyInNameOrder() {
    MetricRegistry registry = new MetricRegistry();
    registry.gauge("zeta_items", "Items.").inc();
    Family<Counter> requests = registry.counter("alpha_requests_total", "Requests.", "route", "status");
    requests.labels("/b", "200").inc(2);
    requests.labels("/a", "500").inc();
    requests.labels("/a", "200").inc(3);

    assertEquals("""
        # HELP alpha_requests_total Requests.
        # TYPE alpha_requests_total counter
        alpha_requests_total{route="/a",status="200"} 3
        alpha_requests_total{route="/a",status="500"} 1
        alpha_requests_total{route="/b",status="200"} 2
        # HELP zeta_items Items.
        # TYPE zeta_items gauge
        zeta_items 1
        """, registry.scrape());
  }

  @Test
  void helpTextEscapesBackslashAndLineFeedButNotQuotes() {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("odd_help_total", "A \\ backslash,\na second line and \"quotes\".").inc();

    assertEquals("# HELP odd_help_total A \\\\ backslash,\\na second line and \"quotes\".",
        registry.scrape().lines().findFirst().orElseThrow());
  }

  @Test
  void labelValuesEscapeBackslashQuoteAndLineFeed() {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("odd_labels_total", "Odd labels.", "value").labels("C:\\dir \"x\"\ny").inc();

    assertEquals("odd_labels_total{value=\"C:\\\\dir \\\"x\\\"\\ny\"} 1", registry.scrape().lines().toList().get(2));
  }

  @Test
  void labelValuesKeepUnicodeAsUtf8Text() {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("models_total", "Models.", "model").labels("modèle-é").inc();

    assertEquals("models_total{model=\"modèle-é\"} 1", registry.scrape().lines().toList().get(2));
  }

  @Test
  void histogramsWriteCumulativeBucketsWithLeLastThenSumAndCount() {
    MetricRegistry registry = new MetricRegistry();
    Family<Histogram> latency = registry.histogram("call_seconds", "Calls.", new double[] {0.005, 0.25, 1, 2.5},
        "provider");
    Histogram echo = latency.labels("echo");
    echo.observe(0.001);
    echo.observe(0.005);
    echo.observe(0.3);
    echo.observe(7);

    assertEquals("""
        # HELP call_seconds Calls.
        # TYPE call_seconds histogram
        call_seconds_bucket{provider="echo",le="0.005"} 2
        call_seconds_bucket{provider="echo",le="0.25"} 2
        call_seconds_bucket{provider="echo",le="1"} 3
        call_seconds_bucket{provider="echo",le="2.5"} 3
        call_seconds_bucket{provider="echo",le="+Inf"} 4
        call_seconds_sum{provider="echo"} 7.306
        call_seconds_count{provider="echo"} 4
        """, registry.scrape());
  }

  @Test
  void anUnlabelledHistogramHasOnlyLeInBraces() {
    MetricRegistry registry = new MetricRegistry();
    registry.histogram("wait_seconds", "Waits.", new double[] {1}).observe(0.5);

    List<String> lines = registry.scrape().lines().toList();
    assertEquals(List.of("wait_seconds_bucket{le=\"1\"} 1", "wait_seconds_bucket{le=\"+Inf\"} 1",
        "wait_seconds_sum 0.5", "wait_seconds_count 1"), lines.subList(2, 6));
  }

  @Test
  void aFamilyWithoutSamplesIsLeftOutEntirely() {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("never_used_total", "Never used.", "status");
    registry.counter("used_total", "Used.").inc();

    assertFalse(registry.scrape().contains("never_used_total"));
  }

  @Test
  void numbersAreWrittenAsGoWritesThemWithWholeNumbersInFull() {
    assertEquals("0.005", PrometheusText.formatFloat(0.005));
    assertEquals("1", PrometheusText.formatFloat(1));
    assertEquals("2.5", PrometheusText.formatFloat(2.5));
    assertEquals("600", PrometheusText.formatFloat(600));
    assertEquals("0.0001", PrometheusText.formatFloat(0.0001));
    assertEquals("1e-05", PrometheusText.formatFloat(0.00001));
    assertEquals("1e+06", PrometheusText.formatFloat(1_000_000));
    assertEquals("1.5e+06", PrometheusText.formatFloat(1_500_000));
    assertEquals("-2.5e-07", PrometheusText.formatFloat(-2.5e-7));
    assertEquals("1.7976931348623157e+308", PrometheusText.formatFloat(Double.MAX_VALUE));
    assertEquals("+Inf", PrometheusText.formatFloat(Double.POSITIVE_INFINITY));
    assertEquals("-Inf", PrometheusText.formatFloat(Double.NEGATIVE_INFINITY));
    assertEquals("NaN", PrometheusText.formatFloat(Double.NaN));

    assertEquals("1500000", PrometheusText.formatValue(1_500_000));
    assertEquals("0", PrometheusText.formatValue(-0.0));
    assertEquals("0.30000000000000004", PrometheusText.formatValue(0.1 + 0.2));
    assertEquals("1764900000", PrometheusText.formatValue(1.7649e9));
    assertEquals("1.7649123456789e+09", PrometheusText.formatValue(1_764_912_345.6789));
  }
}
