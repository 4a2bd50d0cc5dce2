package io.dago.api.ws;

import static io.dago.api.ws.RunningDago.WAIT;
import static io.dago.api.ws.RunningDago.isType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.Reply;
import io.dago.testing.FakeAnthropicServer.Sse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Token streaming as a WebSocket follower sees it. Each graph opens with a "gate" node that takes a while, so the
 * follower is connected before the streaming node "writer" starts and every delta it publishes is live.
 */
class NodeDeltaStreamingTest {
  private static final String STORY = "once upon a time a prompt of twenty four words streamed out one word at a time"
      + " to whoever was watching the graph run";
  private static final String RETRY = "\"retry\": {\"max_attempts\": 3, \"initial_backoff_ms\": 10, \"max_backoff_ms\": 10}";

  private RunningDago dago;
  private FakeAnthropicServer fake;

  @AfterEach
  void stop() {
    if (dago != null) {
      dago.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  private static String graph(String writerPrompt) {
    return "{\"nodes\": [{\"id\": \"gate\", \"prompt\": \"go\"}, {\"id\": \"writer\", \"depends_on\": [\"gate\"], "
        + "\"stream\": true, \"prompt\": \"" + writerPrompt + "\", " + RETRY + "}]}";
  }

  /** Submits the graph and follows it to the end; @return every frame, closing code checked */
  private List<Map<String, Object>> follow(String graph) throws Exception {
    String id = dago.submit(graph);
    WsClient follower = dago.connect("/api/v1/graphs/" + id + "/events");
    List<Map<String, Object>> frames = follower.until(f -> isType(f, "GraphCompleted"), WAIT);
    assertEquals(1000, follower.awaitClose(WAIT).code());
    assertEquals(dago.httpEvents(id), frames.stream().filter(f -> !isType(f, "NodeDelta")).toList(),
        "apart from the deltas, exactly the stored log");
    assertEquals(dago.httpEvents(id), dago.connect("/api/v1/graphs/" + id + "/events")
        .until(f -> isType(f, "GraphCompleted"), WAIT), "a later follower replays the log, which holds no delta");
    return frames;
  }

  private static List<Map<String, Object>> deltas(List<Map<String, Object>> frames, int attempt) {
    return frames.stream().filter(f -> isType(f, "NodeDelta") && data(f).get("attempt").equals(attempt)).toList();
  }

  private static String text(List<Map<String, Object>> deltas) {
    return deltas.stream().map(f -> (String) data(f).get("text")).collect(Collectors.joining());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> data(Map<String, Object> frame) {
    return (Map<String, Object>) frame.get("data");
  }

  private static Map<String, Object> completed(List<Map<String, Object>> frames) {
    return data(frames.stream().filter(f -> isType(f, "NodeCompleted") && "writer".equals(f.get("node_id")))
        .findFirst().orElseThrow());
  }

  private void startWithFakeAnthropic() {
    fake = FakeAnthropicServer.start();
    dago = new RunningDago(Map.of("LLM_PROVIDER", "anthropic", "LLM_API_KEY", "sk-ant-test",
        "LLM_BASE_URL", fake.baseUrl().toString()));
    fake.enqueue(Reply.delayed(Duration.ofMillis(800), Reply.text("open")));
  }

  @Test
  void streamingEchoNodeSendsCoalescedDeltasThenTheWholeOutput() throws Exception {
    dago = new RunningDago(Map.of("LLM_ECHO_LATENCY_MS", "1000"));

    List<Map<String, Object>> frames = follow(graph(STORY));

    List<Map<String, Object>> deltas = deltas(frames, 1);
    assertEquals("echo: " + STORY, text(deltas));
    assertEquals(text(deltas), completed(frames).get("output"));
    assertTrue(deltas.size() >= 5, "streamed, not sent at once: " + deltas.size());
    assertTrue(deltas.size() <= 25, "at most about 20 a second over one second: " + deltas.size());
    for (Map<String, Object> delta : deltas) {
      assertEquals("writer", delta.get("node_id"));
      assertFalse(delta.containsKey("seq"), "live-only events carry no seq");
    }
    int started = frames.indexOf(frames.stream()
        .filter(f -> isType(f, "NodeStarted") && "writer".equals(f.get("node_id"))).findFirst().orElseThrow());
    assertTrue(frames.subList(0, started).stream().noneMatch(f -> isType(f, "NodeDelta")));
    assertTrue(isType(frames.get(frames.indexOf(deltas.getLast()) + 1), "NodeCompleted"));
  }

  @Test
  void anthropicStreamBecomesDeltasAndACompleteNode() throws Exception {
    startWithFakeAnthropic();
    fake.enqueue(Reply.stream("Tide ", "pools ", "hold ", "worlds.").withEventDelay(Duration.ofMillis(60)));

    List<Map<String, Object>> frames = follow(graph("write"));

    assertEquals("Tide pools hold worlds.", text(deltas(frames, 1)));
    Map<String, Object> completed = completed(frames);
    assertEquals("Tide pools hold worlds.", completed.get("output"));
    assertEquals(Map.of("input_tokens", 2, "output_tokens", 6), completed.get("usage"));
    assertEquals(true, fake.lastRequest().json().get("stream"));
  }

  @Test
  void anthropicStreamCutOffMidwayIsRetriedAndDeltasSayWhichAttempt() throws Exception {
    startWithFakeAnthropic();
    fake.enqueue(Reply.stream("Tide ", "po").cutAfter(4), Reply.stream("Tide ", "pools."));

    List<Map<String, Object>> frames = follow(graph("write"));

    assertEquals("Tide ", text(deltas(frames, 1)), "what the broken attempt got out");
    Map<String, Object> retrying = data(frames.stream().filter(f -> isType(f, "NodeRetrying")).findFirst().orElseThrow());
    assertEquals("stream_interrupted", ((Map<?, ?>) retrying.get("error")).get("code"));
    assertEquals("Tide pools.", text(deltas(frames, 2)));
    assertEquals("Tide pools.", completed(frames).get("output"));
    assertEquals(2, completed(frames).get("attempts"));
  }

  @Test
  void anthropicErrorEventMidStreamIsRetriedWhenOverloaded() throws Exception {
    startWithFakeAnthropic();
    fake.enqueue(Reply.events(Sse.messageStart(3), Sse.blockStart(), Sse.textDelta("Ti"),
        Sse.error("overloaded_error", "Overloaded")), Reply.stream("Tide pools."));

    List<Map<String, Object>> frames = follow(graph("write"));

    Map<String, Object> retrying = data(frames.stream().filter(f -> isType(f, "NodeRetrying")).findFirst().orElseThrow());
    assertEquals("overloaded", ((Map<?, ?>) retrying.get("error")).get("code"));
    assertEquals("Ti", text(deltas(frames, 1)));
    assertEquals("Tide pools.", completed(frames).get("output"));
  }
}
