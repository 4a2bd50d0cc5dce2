package io.dago.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.Dago;
import io.dago.json.Json;
import io.dago.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** The server a fuzz test attacks, and the check that it is still well afterwards. */
final class Healthy {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Healthy() {}

  /** dago embedded on loopback, with the small limits the fuzzers aim at and an instant echo model. */
  static Dago startServer() {
    return Dago.start(TestConfigs.embedded(
        "DAGO_MAX_BODY_BYTES", String.valueOf(HttpFuzzer.MAX_BODY_BYTES),
        "DAGO_MAX_NODES", String.valueOf(GraphFuzzer.MAX_NODES),
        "DAGO_MAX_PROMPT_BYTES", String.valueOf(GraphFuzzer.MAX_PROMPT_BYTES),
        "LLM_ECHO_LATENCY_MS", "0",
        "WORKER_POOL_SIZE", "8"));
  }

  /** {@code /health} answers 200 and a small graph runs to completion. */
  static void assertHealthyAndWorking(Dago dago) throws Exception {
    HttpResponse<String> health = HTTP.send(request(dago, "/health").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), "GET /health after fuzzing: " + health.body());
    String graph = "{\"input\": {\"t\": \"x\"}, \"nodes\": [{\"id\": \"a\", \"prompt\": \"{{input.t}}\"},"
        + " {\"id\": \"b\", \"depends_on\": [\"a\"], \"prompt\": \"{{nodes.a.output}}!\"}]}";
    HttpResponse<String> submitted = HTTP.send(request(dago, "/api/v1/graphs")
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(graph)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, submitted.statusCode(), "a normal submit after fuzzing: " + submitted.body());
    String id = (String) Json.parseObject(submitted.body().getBytes()).get("id");
    Map<String, Object> done = finished(dago, id);
    assertEquals("completed", done.get("status"), "a normal graph after fuzzing: " + done);
    assertEquals("echo: echo: x!", ((Map<?, ?>) ((List<?>) done.get("nodes")).get(1)).get("output"));
  }

  /** The graph's state once finished (long poll, up to 30 s). */
  static Map<String, Object> finished(Dago dago, String id) throws Exception {
    HttpResponse<String> state = HTTP.send(request(dago, "/api/v1/graphs/" + id + "?wait=30").build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, state.statusCode(), state.body());
    return Json.parseObject(state.body().getBytes());
  }

  private static HttpRequest.Builder request(Dago dago, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + path))
        .timeout(Duration.ofSeconds(40));
  }

  /**
   * What must hold once fuzzing is over, as problems to report (none when all is well): every graph accepted meanwhile
   * completed, the instance is healthy and still runs graphs, and it logged nothing unexpected.
   */
  static List<String> problemsAfterFuzzing(Dago dago, Collection<String> accepted, SevereLogs severe)
      throws Exception {
    List<String> problems = new ArrayList<>();
    for (String id : accepted) {
      Object status = finished(dago, id).get("status");
      if (!"completed".equals(status)) {
        problems.add("graph " + id + ", accepted during fuzzing, ended " + status);
      }
    }
    try {
      assertHealthyAndWorking(dago);
    } catch (AssertionError e) {
      problems.add("not healthy after fuzzing: " + e.getMessage());
    }
    if (!severe.lines().isEmpty()) {
      problems.add("dago logged " + severe.lines().size() + " unexpected errors:\n" + severe.summary());
    }
    return problems;
  }
}
