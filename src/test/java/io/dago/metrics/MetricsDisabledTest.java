package io.dago.metrics;

import io.dago.testing.TestConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.dago.Dago;
import io.dago.api.grpc.GrpcObserver;
import io.dago.api.http.HttpObserver;
import io.dago.engine.EngineObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsDisabledTest {

  @Test
  void disabledMetricsHandOutTheNoOpObserversAndNoRegistry() {
    DagoMetrics metrics = DagoMetrics.disabled();

    assertSame(EngineObserver.NONE, metrics.engine());
    assertSame(HttpObserver.NONE, metrics.http());
    assertSame(GrpcObserver.NONE, metrics.grpc());
    assertNull(metrics.registry());
  }

  @Test
  void withMetricsOffThereIsNoMetricsRouteAndGraphsStillRun() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_METRICS", "false"))) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + dago.httpPort();

      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/graphs"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"g\",\"nodes\":[{\"id\":\"a\",\"prompt\":\"hi\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());

      assertEquals(404, metrics.statusCode());
      assertEquals(202, submitted.statusCode());
    }
  }
}
