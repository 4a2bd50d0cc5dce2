package io.dago.metrics;

import io.dago.api.AccessGate;
import io.dago.api.AccessObserver;

/**
 * Requests the APIs refused before serving them. Both labels come from enums; every series exists from the start,
 * at 0, so that an alert on their rate has something to read before the first refusal.
 */
final class AccessMetrics implements AccessObserver {
  private final Counter[][] refused;

  AccessMetrics(MetricRegistry registry) {
    Family<Counter> family = registry.counter("dago_api_rejected_total",
        "API requests and WebSocket handshakes refused before being served, by interface and reason.",
        "interface", "reason");
    AccessGate.Api[] apis = AccessGate.Api.values();
    AccessGate.Refusal[] reasons = AccessGate.Refusal.values();
    refused = new Counter[apis.length][reasons.length];
    for (AccessGate.Api api : apis) {
      for (AccessGate.Refusal reason : reasons) {
        refused[api.ordinal()][reason.ordinal()] = family.labels(api.label(), reason.code());
      }
    }
  }

  @Override
  public void refused(AccessGate.Api api, AccessGate.Refusal refusal) {
    refused[api.ordinal()][refusal.ordinal()].inc();
  }
}
