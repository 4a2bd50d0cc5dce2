package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HttpMetricsTest {
  private final MetricRegistry registry = new MetricRegistry();
  private final HttpMetrics http = new HttpMetrics(registry);

  @Test
  void requestsNoRouteMatchedShareTheUnmatchedLabel() {
    http.requestFinished(null, "GET", 404, 1_000_000);
    http.requestFinished(null, "POST", 405, 1_000_000);

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(1, scrape.value("dago_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"));
    assertEquals(1, scrape.value("dago_http_requests_total{route=\"unmatched\",method=\"POST\",status=\"405\"}"));
  }

  @Test
  void unknownMethodsShareOneLabelSinceClientsMaySendAnyToken() {
    http.requestFinished(null, "BREW", 404, 1_000_000);
    http.requestFinished(null, "PROPFIND", 404, 1_000_000);

    assertEquals(2, Exposition.parse(registry.scrape())
        .value("dago_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"}"));
  }

  @Test
  void anExchangeThatFailedBeforeAnsweringIsCountedAsAborted() {
    http.requestFinished("/api/v1/graphs/{id}", "GET", 0, 30_000_000_000L);

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(1, scrape.value("dago_http_requests_total{route=\"/api/v1/graphs/{id}\",method=\"GET\",status=\"aborted\"}"));
    assertEquals(30, scrape.value("dago_http_request_duration_seconds_sum{route=\"/api/v1/graphs/{id}\",method=\"GET\"}"));
    assertEquals(0, scrape.value(
        "dago_http_request_duration_seconds_bucket{route=\"/api/v1/graphs/{id}\",method=\"GET\",le=\"10\"}"));
    assertEquals(1, scrape.value(
        "dago_http_request_duration_seconds_bucket{route=\"/api/v1/graphs/{id}\",method=\"GET\",le=\"30\"}"));
  }
}
