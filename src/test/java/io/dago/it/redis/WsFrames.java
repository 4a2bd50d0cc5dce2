package io.dago.it.redis;

import io.dago.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A WebSocket client on the JDK's {@link WebSocket}: every text frame as a JSON object, and how it closed. */
final class WsFrames implements WebSocket.Listener, AutoCloseable {
  /** The server's close code and reason, or code -1 when the connection broke off without one. */
  record Close(int code, String reason) {}

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final BlockingQueue<Map<String, Object>> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private WebSocket socket;

  private WsFrames() {}

  static WsFrames connect(int port, String path) {
    WsFrames client = new WsFrames();
    client.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
        .buildAsync(URI.create("ws://127.0.0.1:" + port + path), client).join();
    return client;
  }

  /** The next frame, or null when none came within {@code timeout}. */
  Map<String, Object> poll(Duration timeout) throws InterruptedException {
    return frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Frames up to and including the first that matches, waiting up to {@code timeout} in all. */
  List<Map<String, Object>> until(Predicate<Map<String, Object>> last, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Map<String, Object>> received = new ArrayList<>();
    while (true) {
      Map<String, Object> frame = poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (frame == null) {
        throw new AssertionError("the frame awaited did not come within " + timeout.toMillis() + " ms; received "
            + received + (closed.isDone() ? "; closed: " + closed.join() : ""));
      }
      received.add(frame);
      if (last.test(frame)) {
        return received;
      }
    }
  }

  Close awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Frames received and not taken yet, without waiting. */
  List<Map<String, Object>> drain() {
    List<Map<String, Object>> rest = new ArrayList<>();
    frames.drainTo(rest);
    return rest;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      frames.add(Json.parseObject(partial.toString().getBytes(StandardCharsets.UTF_8)));
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(new Close(statusCode, reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(new Close(-1, String.valueOf(error)));
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    socket.abort();
  }
}
