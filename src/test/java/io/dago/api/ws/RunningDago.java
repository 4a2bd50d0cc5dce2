package io.dago.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.Dago;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A dago started the way production starts it, on free loopback ports, with HTTP and WebSocket clients to drive it. */
final class RunningDago implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);

  final Dago dago;
  final TestClient http;
  private final List<WsClient> clients = new ArrayList<>();

  /** @param env environment variables on top of loopback, free ports and the echo provider */
  RunningDago(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(Map.of("LLM_PROVIDER", "echo"));
    all.putAll(env);
    dago = Dago.start(TestConfigs.embedded(all));
    http = new TestClient(dago.httpPort());
  }

  WsClient connect(String path) {
    return track(WsClient.connect(dago.wsPort(), path));
  }

  WsClient connectPaused(String path) {
    return track(WsClient.connectPaused(dago.wsPort(), path));
  }

  private WsClient track(WsClient client) {
    clients.add(client);
    return client;
  }

  String submit(String graph) throws Exception {
    TestClient.Reply reply = http.postJson("/api/v1/graphs", graph);
    assertEquals(202, reply.status(), reply.raw().body());
    return (String) reply.body().get("id");
  }

  @SuppressWarnings("unchecked")
  List<Map<String, Object>> httpEvents(String id) throws Exception {
    return (List<Map<String, Object>>) http.get("/api/v1/graphs/" + id + "/events").body().get("events");
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> awaitFinished(String id) throws Exception {
    Map<String, Object> graph = http.get("/api/v1/graphs/" + id + "?wait=20").body();
    assertEquals("completed", graph.get("status"), graph.toString());
    return graph;
  }

  /**
   * A firehose subscription exists once the server has delivered something on it: runs a probe graph until each
   * firehose has seen one complete, and consumes what they got of them.
   */
  void awaitSubscribed(WsClient... firehoses) throws Exception {
    for (WsClient firehose : firehoses) {
      boolean subscribed = false;
      while (!subscribed) {
        String probe = submit("{\"nodes\": [{\"id\": \"probe\", \"prompt\": \"p\"}]}");
        awaitFinished(probe);
        for (Map<String, Object> frame; (frame = firehose.poll(Duration.ofMillis(200))) != null; ) {
          subscribed |= isType(frame, "GraphCompleted");
        }
      }
    }
    for (WsClient firehose : firehoses) {
      firehose.drain();
    }
  }

  static boolean isType(Map<String, Object> frame, String type) {
    return type.equals(frame.get("type"));
  }

  static long seq(Map<String, Object> frame) {
    return ((Number) frame.get("seq")).longValue();
  }

  @Override
  public void close() {
    clients.forEach(WsClient::close);
    dago.close();
  }
}
