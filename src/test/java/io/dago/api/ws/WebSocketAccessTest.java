package io.dago.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens and rate limits on a real dago over the JDK's WebSocket client, on both endpoints, with the token in
 * the {@code Authorization} header and in the {@code token} query parameter (the browsers' way).
 */
class WebSocketAccessTest {
  private static final String TOKEN = "ws-test-token-0123456789";
  private static final String WRONG_TOKEN = "ws-test-wrong-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String GRAPH = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}]}";

  private final List<WsClient> clients = new ArrayList<>();

  private WsClient connect(Dago dago, String path, String... headers) {
    WsClient client = WsClient.connect(dago.wsPort(), path, headers);
    clients.add(client);
    return client;
  }

  private static String submit(TestClient http) throws Exception {
    TestClient.Reply reply = http.postJson("/api/v1/graphs", GRAPH, "Authorization", "Bearer " + TOKEN);
    assertEquals(202, reply.status(), reply.raw().body());
    return (String) reply.body().get("id");
  }

  private static String query(String token) {
    return "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
  }

  /** Closed with 4401 before a single frame was sent. */
  private static WsClient.Close assertRefused(WsClient client, String what) throws Exception {
    WsClient.Close close = client.awaitClose(WAIT);
    assertEquals(CloseCodes.UNAUTHORIZED, close.code(), what + ": " + close);
    assertEquals(List.of(), client.drain(), what + ": nothing is sent before the close");
    return close;
  }

  private static void assertFollowsToTheEnd(WsClient client, String what) throws Exception {
    List<Map<String, Object>> frames = client.until(f -> "GraphCompleted".equals(f.get("type")), WAIT);
    assertEquals("GraphSubmitted", frames.get(0).get("type"), what);
    assertEquals(CloseCodes.FINISHED, client.awaitClose(WAIT).code(), what);
  }

  /** Submits graphs until the firehose delivers one of their events. */
  private static void assertFirehoseDelivers(WsClient firehose, TestClient http, String what) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (firehose.poll(Duration.ofMillis(200)) == null) {
      assertTrue(System.nanoTime() < deadline, what + ": no event on the firehose");
      submit(http);
    }
  }

  @Test
  void bothEndpoints_needAToken_inTheHeaderOrTheQuery() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN))) {
      TestClient http = new TestClient(dago.httpPort());
      String id = submit(http);
      String follow = "/api/v1/graphs/" + id + "/events";
      String firehose = "/api/v1/events";

      for (String path : List.of(follow, firehose)) {
        String separator = path.contains("?") ? "&" : "?";
        WsClient.Close missing = assertRefused(connect(dago, path), path + " without a token");
        WsClient.Close wrongHeader = assertRefused(connect(dago, path, "Authorization", "Bearer " + WRONG_TOKEN),
            path + " with a wrong token in the header");
        WsClient.Close wrongQuery = assertRefused(connect(dago, path + separator + query(WRONG_TOKEN)),
            path + " with a wrong token in the query");
        assertRefused(connect(dago, path + separator + query(TOKEN), "Authorization", "Bearer " + WRONG_TOKEN),
            path + ": the header wins over the query");
        assertEquals(missing, wrongHeader, "a missing and a wrong token must look the same");
        assertEquals(missing, wrongQuery);
      }
      assertRefused(connect(dago, "/no/such/endpoint"), "an unknown endpoint, before its 4400");

      assertFollowsToTheEnd(connect(dago, follow, "Authorization", "Bearer " + TOKEN), "header");
      assertFollowsToTheEnd(connect(dago, follow + "?after=0&" + query(TOKEN)), "query");
      assertFirehoseDelivers(connect(dago, firehose, "Authorization", "Bearer " + TOKEN), http, "header");
      assertFirehoseDelivers(connect(dago, firehose + "?type=GraphCompleted&" + query(TOKEN)), http, "query");

      String metrics = java.net.http.HttpClient.newHttpClient().send(http.request("/metrics").build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(metrics.contains("dago_api_rejected_total{interface=\"websocket\",reason=\"unauthorized\"} 9"),
          metrics);
    } finally {
      clients.forEach(WsClient::close);
    }
  }

  @Test
  void withoutTokens_theTokenParameterIsAccepted_andIgnored() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded())) {
      WsClient client = connect(dago, "/api/v1/events?" + query(WRONG_TOKEN));

      assertThrows(TimeoutException.class, () -> client.awaitClose(Duration.ofMillis(300)));
    } finally {
      clients.forEach(WsClient::close);
    }
  }

  @Test
  void handshakes_countAsRequests_andTheSixthIsClosedWith4429() throws Exception {
    // One request back every 1000 s: the six handshakes come quicker than that, however loaded the machine (with one
    // back every 5 s, a client slow to start on a busy machine could see the sixth let in).
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_RATE_LIMIT", "0.001", "DAGO_RATE_BURST", "5"))) {
      List<WsClient> admitted = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        admitted.add(connect(dago, "/api/v1/events"));
      }
      WsClient sixth = connect(dago, "/api/v1/events");
      WsClient.Close close = sixth.awaitClose(WAIT);

      assertEquals(CloseCodes.RATE_LIMITED, close.code(), close.toString());
      assertTrue(close.reason().contains("retry in"), close.reason());
      assertEquals(List.of(), sixth.drain());
      for (WsClient client : admitted) {
        assertThrows(TimeoutException.class, () -> client.awaitClose(Duration.ofMillis(100)), "still open");
      }
      assertEquals(200, new TestClient(dago.httpPort()).get("/health").status(), "/health is never limited");
    } finally {
      clients.forEach(WsClient::close);
    }
  }
}
