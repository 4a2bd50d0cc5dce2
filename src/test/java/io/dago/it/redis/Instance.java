package io.dago.it.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.Dago;
import io.dago.config.Config;
import io.dago.testing.TestClient;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

/** One dago started in this JVM, with the few HTTP calls the tests here make against it. */
final class Instance implements AutoCloseable {
  /** Long polls ask for this many seconds. */
  static final int WAIT_SECONDS = 10;

  private static final HttpClient PLAIN = HttpClient.newHttpClient();

  final String name;
  final Dago dago;
  final TestClient http;

  Instance(String name, Config config) {
    this.name = name;
    this.dago = Dago.start(config);
    this.http = new TestClient(dago.httpPort());
  }

  int wsPort() {
    return dago.wsPort();
  }

  /** Submits a graph document; returns its id. */
  String submit(String document) throws Exception {
    TestClient.Reply reply = http.postJson("/api/v1/graphs", document);
    assertEquals(202, reply.status(), name + ": " + reply.raw().body());
    return (String) reply.body().get("id");
  }

  Map<String, Object> graph(String id) throws Exception {
    TestClient.Reply reply = http.get("/api/v1/graphs/" + id);
    assertEquals(200, reply.status(), name + ": " + reply.raw().body());
    return reply.body();
  }

  /** The graph once it has finished, or as it is after {@value #WAIT_SECONDS} s. */
  Map<String, Object> awaitEnd(String id) throws Exception {
    TestClient.Reply reply = http.get("/api/v1/graphs/" + id + "?wait=" + WAIT_SECONDS);
    assertEquals(200, reply.status(), name + ": " + reply.raw().body());
    return reply.body();
  }

  String status(String id) throws Exception {
    return (String) graph(id).get("status");
  }

  @SuppressWarnings("unchecked")
  List<Map<String, Object>> events(String id) throws Exception {
    TestClient.Reply reply = http.get("/api/v1/graphs/" + id + "/events");
    assertEquals(200, reply.status(), name + ": " + reply.raw().body());
    return (List<Map<String, Object>>) reply.body().get("events");
  }

  @SuppressWarnings("unchecked")
  List<String> listedIds() throws Exception {
    TestClient.Reply reply = http.get("/api/v1/graphs?limit=1000");
    assertEquals(200, reply.status(), name + ": " + reply.raw().body());
    return ((List<Map<String, Object>>) reply.body().get("graphs")).stream().map(g -> (String) g.get("id")).toList();
  }

  /** Workers of this instance running a node now, as {@code /health} says. */
  @SuppressWarnings("unchecked")
  int busy() throws Exception {
    Map<String, Object> components = (Map<String, Object>) http.get("/health").body().get("components");
    return ((Number) ((Map<String, Object>) components.get("workers")).get("busy")).intValue();
  }

  /**
   * A sample of this instance's {@code /metrics}, 0 when the series has none yet.
   *
   * @param series as exposed, e.g. {@code dago_nodes_finished_total{status="completed"}}
   */
  double metric(String series) throws Exception {
    // Not JSON, so not through the JSON client's reply parsing.
    HttpResponse<String> reply = PLAIN.send(http.request("/metrics").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, reply.statusCode(), name + ": /metrics");
    for (String line : reply.body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  @Override
  public void close() {
    dago.close();
  }
}
