package io.dago.metrics;

import io.dago.api.grpc.GrpcObserver;

/** The gRPC API's family. Method names come from the served services, codes from gRPC's fixed list. */
final class GrpcMetrics implements GrpcObserver {
  private final Family<Counter> calls;

  GrpcMetrics(MetricRegistry registry) {
    calls = registry.counter("dago_grpc_calls_total", "gRPC calls finished, by full method name and status code.",
        "method", "code");
  }

  @Override
  public void callFinished(String method, String code) {
    calls.labels(method, code).inc();
  }
}
