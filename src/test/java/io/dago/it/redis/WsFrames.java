package io.dago.it.redis;

import io.dago.json.Json;
import io.dago.testing.WsRecorder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@link WsRecorder} that reads every text frame as a JSON object. */
final class WsFrames implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final WsRecorder recorder;

  private WsFrames(WsRecorder recorder) {
    this.recorder = recorder;
  }

  static WsFrames connect(int port, String path) {
    return new WsFrames(WsRecorder.connect(HTTP, URI.create("ws://127.0.0.1:" + port + path)));
  }

  /** The next frame, or null when none came within {@code timeout}. */
  Map<String, Object> poll(Duration timeout) throws InterruptedException {
    String text = recorder.poll(timeout);
    return text == null ? null : Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Frames up to and including the first that matches, waiting up to {@code timeout} in all. */
  List<Map<String, Object>> until(Predicate<Map<String, Object>> last, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Map<String, Object>> received = new ArrayList<>();
    while (true) {
      Map<String, Object> frame = poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (frame == null) {
        throw new AssertionError("the frame awaited did not come within " + timeout.toMillis() + " ms; received "
            + received);
      }
      received.add(frame);
      if (last.test(frame)) {
        return received;
      }
    }
  }

  WsRecorder.Close awaitClose(Duration timeout) throws Exception {
    return recorder.awaitClose(timeout);
  }

  /** Frames received and not taken yet, without waiting. */
  List<Map<String, Object>> drain() throws InterruptedException {
    List<Map<String, Object>> rest = new ArrayList<>();
    for (Map<String, Object> frame; (frame = poll(Duration.ZERO)) != null; ) {
      rest.add(frame);
    }
    return rest;
  }

  /** Says goodbye properly, so that the server counts a normal close rather than a dropped peer. */
  @Override
  public void close() {
    WebSocket socket = recorder.socket();
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
    socket.abort();
  }
}
