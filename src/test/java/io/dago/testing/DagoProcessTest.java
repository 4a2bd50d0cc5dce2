package io.dago.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DagoProcessTest {

  @Test
  void servesHealthThenStopsGracefullyOnSigterm() throws Exception {
    try (DagoProcess dago = DagoProcess.start(Map.of("LLM_PROVIDER", "echo"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      assertEquals(3, Set.of(dago.httpPort(), dago.grpcPort(), dago.wsPort()).size(), dago.log());
      HttpResponse<String> health = http.send(
          HttpRequest.newBuilder(dago.baseUri().resolve("/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());

      int exitCode = dago.terminate();

      // The JVM exits with 128 + SIGTERM after its shutdown hooks; Main does not call System.exit on that path.
      assertTrue(Set.of(0, 143).contains(exitCode), "exit code " + exitCode + "; log:\n" + dago.log());
      assertTrue(dago.log().contains("stopped"), dago.log());
    }
  }

  @Test
  void kill9EndsDagoWithoutItsShutdownHook() {
    try (DagoProcess dago = DagoProcess.start(Map.of("LLM_PROVIDER", "echo"))) {
      dago.kill9();

      assertFalse(dago.isAlive());
      assertFalse(dago.log().contains("SIGTERM"), dago.log());
    }
  }

  @Test
  void aConfigurationErrorFailsTheStartWithDagosLog() {
    IllegalStateException failure = assertThrows(IllegalStateException.class,
        () -> DagoProcess.start(Map.of("DAGO_HTTP_PORT", "eighty")).close());

    assertTrue(failure.getMessage().contains("exit code 2"), failure.getMessage());
    assertTrue(failure.getMessage().contains("DAGO_HTTP_PORT"), failure.getMessage());
  }
}
