package io.dago.metrics;

import io.dago.api.http.HttpObserver;

/**
 * The HTTP API's families. Every label comes from a small set: the route template (or {@value #UNMATCHED}),
 * a known method (or {@value #OTHER_METHOD}: clients may send any token), the status.
 */
final class HttpMetrics implements HttpObserver {
  static final String UNMATCHED = "unmatched";
  static final String OTHER_METHOD = "other";
  /** From a millisecond to the longest long poll, 60 seconds. */
  static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  private final Family<Counter> requests;
  private final Family<Histogram> duration;

  HttpMetrics(MetricRegistry registry) {
    requests = registry.counter("dago_http_requests_total",
        "HTTP requests answered, by route template, method and status (aborted when no answer went out).",
        "route", "method", "status");
    duration = registry.histogram("dago_http_request_duration_seconds",
        "Time from receiving an HTTP request to having sent the answer, by route template and method.",
        SECONDS, "route", "method");
  }

  @Override
  public void requestFinished(String route, String method, int status, long nanos) {
    String routeLabel = route == null ? UNMATCHED : route;
    String methodLabel = method(method);
    requests.labels(routeLabel, methodLabel, status == 0 ? "aborted" : Integer.toString(status)).inc();
    duration.labels(routeLabel, methodLabel).observeNanos(nanos);
  }

  private static String method(String method) {
    return switch (method) {
      case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS" -> method;
      default -> OTHER_METHOD;
    };
  }
}
