package io.dago.api.ws;

import static io.dago.api.ws.RunningDago.WAIT;
import static io.dago.api.ws.RunningDago.isType;
import static io.dago.api.ws.RunningDago.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The WebSocket API against a real dago, driven by the JDK's WebSocket client. */
class WebSocketApiTest {
  /** a; b and c depend on a; d depends on b and c. */
  static final String DIAMOND = """
      {"nodes": [{"id": "a", "prompt": "one"}, {"id": "b", "prompt": "two", "depends_on": ["a"]},
                 {"id": "c", "prompt": "three", "depends_on": ["a"]},
                 {"id": "d", "prompt": "four", "depends_on": ["b", "c"]}]}""";

  private RunningDago dago;

  private void start(Map<String, String> env) {
    dago = new RunningDago(env);
  }

  @AfterEach
  void stop() {
    if (dago != null) {
      dago.close();
    }
  }

  private WsClient connect(String path) {
    return dago.connect(path);
  }

  private String submit(String graph) throws Exception {
    return dago.submit(graph);
  }

  private List<Map<String, Object>> httpEvents(String id) throws Exception {
    return dago.httpEvents(id);
  }

  private void awaitFinished(String id) throws Exception {
    dago.awaitFinished(id);
  }

  @Test
  void followerSeesEveryEventOnceInOrderFromSubmitToClose() throws Exception {
    start(Map.of("LLM_ECHO_LATENCY_MS", "100"));
    String id = submit(DIAMOND);
    WsClient follower = connect("/api/v1/graphs/" + id + "/events");

    List<Map<String, Object>> frames = follower.until(f -> isType(f, "GraphCompleted"), WAIT);
    WsClient.Close close = follower.awaitClose(WAIT);

    assertEquals(new WsClient.Close(1000, "graph finished"), close);
    assertEquals(List.of(), follower.drain());
    assertEquals(httpEvents(id), frames, "the same events, in the same shape, as the HTTP endpoint");
    for (int i = 0; i < frames.size(); i++) {
      assertEquals(i + 1, seq(frames.get(i)));
    }
  }

  @Test
  void reconnectingWithAfterReceivesExactlyTheMissedEvents() throws Exception {
    start(Map.of("LLM_ECHO_LATENCY_MS", "200"));
    String id = submit(DIAMOND);
    WsClient first = connect("/api/v1/graphs/" + id + "/events");
    List<Map<String, Object>> seen = new ArrayList<>();
    seen.add(first.next(WAIT));
    seen.add(first.next(WAIT));
    seen.add(first.next(WAIT));
    first.close();

    WsClient second = connect("/api/v1/graphs/" + id + "/events?after=" + seq(seen.get(2)));
    seen.addAll(second.until(f -> isType(f, "GraphCompleted"), WAIT));

    assertEquals(1000, second.awaitClose(WAIT).code());
    assertEquals(httpEvents(id), seen);
  }

  @Test
  void followingAFinishedGraphFromItsLastEventClosesAtOnceWith1000() throws Exception {
    start(Map.of());
    String id = submit(DIAMOND);
    awaitFinished(id);
    long last = seq(httpEvents(id).getLast());

    WsClient client = connect("/api/v1/graphs/" + id + "/events?after=" + last);

    assertEquals(1000, client.awaitClose(WAIT).code());
    assertEquals(List.of(), client.drain());
  }

  @Test
  void unknownGraphClosesWith4404AndSaysWhich() throws Exception {
    start(Map.of());

    WsClient.Close close = connect("/api/v1/graphs/no-such-graph/events").awaitClose(WAIT);

    assertEquals(new WsClient.Close(4404, "no graph with id 'no-such-graph'"), close);
  }

  @Test
  void malformedPathOrQueryClosesWith4400AndAReason() throws Exception {
    start(Map.of());
    String id = submit(DIAMOND);
    Map<String, String> reasons = Map.of(
        "/api/v1/graphs/" + id + "/events?after=-1", "query parameter 'after' must be a non-negative integer",
        "/api/v1/graphs/" + id + "/events?after=x", "query parameter 'after' must be a non-negative integer",
        "/api/v1/graphs/" + id + "/events?afetr=3", "unknown query parameter 'afetr'",
        "/api/v1/nothing-here", "no such endpoint: /api/v1/nothing-here",
        "/api/v1/events?type=GraphDone", "unknown event type 'GraphDone'");

    for (Map.Entry<String, String> request : reasons.entrySet()) {
      WsClient.Close close = connect(request.getKey()).awaitClose(WAIT);
      assertEquals(4400, close.code(), request.getKey());
      assertTrue(close.reason().startsWith(request.getValue()), request.getKey() + " -> " + close.reason());
      assertTrue(close.reason().getBytes().length <= 123, "a close reason fits a control frame");
    }
  }

  @Test
  void firehoseDeliversLiveEventsOfEveryGraphAndFiltersByType() throws Exception {
    start(Map.of());
    WsClient all = connect("/api/v1/events");
    WsClient completions = connect("/api/v1/events?type=GraphCompleted,GraphFailed");
    dago.awaitSubscribed(all, completions);

    String one = submit(DIAMOND);
    String two = submit(DIAMOND);
    awaitFinished(one);
    awaitFinished(two);

    List<Map<String, Object>> done = List.of(completions.next(WAIT), completions.next(WAIT));
    assertEquals(Set.of(one, two), done.stream().map(f -> f.get("graph_id")).collect(Collectors.toSet()));
    assertTrue(done.stream().allMatch(f -> isType(f, "GraphCompleted")));
    Map<Object, List<Map<String, Object>>> byGraph = new HashMap<>();
    for (int seen = 0; seen < httpEvents(one).size() + httpEvents(two).size(); seen++) {
      Map<String, Object> frame = all.next(WAIT);
      byGraph.computeIfAbsent(frame.get("graph_id"), g -> new ArrayList<>()).add(frame);
    }
    assertEquals(httpEvents(one), byGraph.get(one));
    assertEquals(httpEvents(two), byGraph.get(two));
  }

  @Test
  void firehoseFiltersByGraph() throws Exception {
    start(Map.of("LLM_ECHO_LATENCY_MS", "200"));
    String watched = submit(DIAMOND);
    String other = submit(DIAMOND);
    WsClient client = connect("/api/v1/events?graph=" + watched + ",some-other-id");

    List<Map<String, Object>> frames = client.until(f -> isType(f, "GraphCompleted"), WAIT);
    awaitFinished(other);

    assertTrue(frames.stream().allMatch(f -> watched.equals(f.get("graph_id"))), frames.toString());
    List<Map<String, Object>> log = httpEvents(watched);
    assertEquals(log.subList(log.size() - frames.size(), log.size()), frames, "a tail of the log, live");
    assertEquals(List.of(), client.drain());
  }

  @Test
  void slowClientIsClosedWith1013WhileNormalClientsMissNothing() throws Exception {
    // Some 13 MB of events at about 6 MB/s, in bursts of 20 (10 workers finishing together): easy to keep up with,
    // far more than a client that reads nothing can leave in socket buffers and the window plus 64 events.
    start(Map.of("DAGO_WS_SEND_BUFFER", "64", "WORKER_POOL_SIZE", "10", "LLM_ECHO_LATENCY_MS", "50"));
    WsClient slow = dago.connectPaused("/api/v1/events");
    WsClient normal = connect("/api/v1/events");
    dago.awaitSubscribed(normal);
    StringBuilder nodes = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      nodes.append(i == 0 ? "" : ",").append("{\"id\": \"n").append(i).append("\", \"prompt\": \"{{input.text}}\"}");
    }
    String big = "{\"input\": {\"text\": \"" + "x".repeat(32 * 1024) + "\"}, \"nodes\": [" + nodes + "]}";

    String id = submit(big);
    List<Map<String, Object>> received = normal.until(f -> isType(f, "GraphCompleted"), WAIT);
    WsClient follower = connect("/api/v1/graphs/" + id + "/events");
    List<Map<String, Object>> followed = follower.until(f -> isType(f, "GraphCompleted"), WAIT);

    assertEquals(httpEvents(id), received.stream().filter(f -> id.equals(f.get("graph_id"))).toList());
    assertEquals(httpEvents(id), followed);
    slow.resume();
    WsClient.Close close = slow.awaitClose(WAIT);
    assertEquals(1013, close.code());
    assertTrue(close.reason().startsWith("client too slow: more than 64 events behind"), close.reason());
    assertFalse(slow.drain().stream().anyMatch(f -> isType(f, "GraphCompleted") && id.equals(f.get("graph_id"))),
        "the slow client cannot have got to the end");
  }
}
