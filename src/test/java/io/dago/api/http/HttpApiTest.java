package io.dago.api.http;

import io.dago.testing.TestClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real route table on a real server, with no orchestrator behind it (it is null): every request here must be
 * answered by the HTTP layer alone, since reaching the orchestrator would be a 500.
 */
class HttpApiTest {
  private HttpApi api;
  private TestClient client;

  @BeforeEach
  void start() {
    api = HttpApi.start(new Endpoints(null), "127.0.0.1", 0, 1024);
    client = new TestClient(api.port());
  }

  @AfterEach
  void stop() {
    api.stop(Duration.ZERO);
  }

  @Test
  void routeTableHasEveryEndpoint() {
    assertEquals(List.of(
        "POST /api/v1/graphs",
        "GET /api/v1/graphs",
        "POST /api/v1/graphs/validate",
        "GET /api/v1/graphs/{id}",
        "POST /api/v1/graphs/{id}/cancel",
        "GET /api/v1/graphs/{id}/events",
        "GET /health"), HttpApi.routes(new Endpoints(null)).describe());
  }

  @Test
  void portZeroListensOnAFreePort() {
    assertTrue(api.port() > 0);
  }

  @Test
  void stopClosesTheListener() throws Exception {
    api.stop(Duration.ZERO);

    assertThrows(ConnectException.class, () -> client.get("/health"));
  }

  @Test
  void malformedGraphIdsAre404WithoutAskingTheOrchestrator() throws Exception {
    for (String path : List.of("/api/v1/graphs/has.dot", "/api/v1/graphs/" + "x".repeat(65),
        "/api/v1/graphs/sp%20ace/events")) {
      TestClient.Reply reply = client.get(path);

      assertEquals(404, reply.status(), path);
      assertEquals("not_found", reply.error().get("code"), path);
    }
    assertEquals(404, client.postEmpty("/api/v1/graphs/a*b/cancel").status());
  }

  @Test
  void badQueryParametersAre400BeforeTheOrchestrator() throws Exception {
    for (String path : List.of("/api/v1/graphs?status=done", "/api/v1/graphs?limit=0", "/api/v1/graphs?limit=x",
        "/api/v1/graphs/g1?wait=61", "/api/v1/graphs/g1?wait=-1", "/api/v1/graphs/g1/events?after=-1")) {
      TestClient.Reply reply = client.get(path);

      assertEquals(400, reply.status(), path);
      assertEquals("invalid_request", reply.error().get("code"), path);
    }
  }

  @Test
  void idempotencyKeyOver255CharactersIs400() throws Exception {
    TestClient.Reply reply = client.postJson("/api/v1/graphs", "{}", "Idempotency-Key", "k".repeat(256));

    assertEquals(400, reply.status());
    assertEquals("invalid_request", reply.error().get("code"));
    assertTrue(((String) reply.error().get("message")).contains("255"));
  }

  @Test
  void submitAndValidateRefuseBadBodiesBeforeTheOrchestrator() throws Exception {
    for (String path : List.of("/api/v1/graphs", "/api/v1/graphs/validate")) {
      assertEquals(413, client.postJson(path, "{\"a\":\"" + "x".repeat(2000) + "\"}").status(), path);
      assertEquals(415, client.send(client.request(path).header("Content-Type", "text/plain")
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).status(), path);
      assertEquals("invalid_json", client.postJson(path, "{,}").error().get("code"), path);
    }
  }

  @Test
  void unknownRouteIs404AndWrongMethodIs405() throws Exception {
    assertEquals(404, client.get("/api/v2/graphs").status());
    TestClient.Reply reply = client.send(client.request("/health").POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(405, reply.status());
    assertEquals("GET", reply.header("Allow"));
  }

  @Test
  void manySequentialRequestsShareOneClientWithoutErrors() throws IOException, InterruptedException {
    for (int i = 0; i < 200; i++) {
      assertEquals(404, client.get("/api/v1/graphs/bad.id").status());
    }
  }
}
