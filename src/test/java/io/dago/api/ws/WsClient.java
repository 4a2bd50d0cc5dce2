package io.dago.api.ws;

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

/**
 * A WebSocket client for tests: the JDK's {@link WebSocket}, collecting every text frame as a JSON object and the
 * close code and reason. A paused client asks for nothing, so the JDK stops reading its socket, which is how a
 * client that cannot keep up looks to the server, until {@link #resume}.
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {
  /** How a connection ended: the server's close code and reason, or code -1 when it broke off without one. */
  record Close(int code, String reason) {}

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final BlockingQueue<Map<String, Object>> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final boolean paused;
  private volatile WebSocket socket;

  private WsClient(boolean paused) {
    this.paused = paused;
  }

  static WsClient connect(int port, String path) {
    return open(port, path, false);
  }

  /** @param headers name and value pairs sent with the handshake, such as {@code "Authorization", "Bearer ..."} */
  static WsClient connect(int port, String path, String... headers) {
    return open(port, path, false, headers);
  }

  /** Connects but reads nothing until {@link #resume}. */
  static WsClient connectPaused(int port, String path) {
    return open(port, path, true);
  }

  private static WsClient open(int port, String path, boolean paused, String... headers) {
    WsClient client = new WsClient(paused);
    WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    client.socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + path), client).join();
    return client;
  }

  /** Starts reading everything the server sends. */
  void resume() {
    socket.request(Long.MAX_VALUE);
  }

  /** The next frame, waiting up to {@code timeout}. @throws AssertionError when none came */
  Map<String, Object> next(Duration timeout) throws InterruptedException {
    Map<String, Object> frame = frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (frame == null) {
      throw new AssertionError("no frame within " + timeout + (closed.isDone() ? "; closed: " + closed.join() : ""));
    }
    return frame;
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
      Map<String, Object> frame = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      received.add(frame);
      if (last.test(frame)) {
        return received;
      }
    }
  }

  /** Waits for the server to close the connection. */
  Close awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Every frame received and not yet taken, without waiting. */
  List<Map<String, Object>> drain() {
    List<Map<String, Object>> rest = new ArrayList<>();
    frames.drainTo(rest);
    return rest;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    if (!paused) {
      webSocket.request(1);
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      frames.add(Json.parseObject(partial.toString().getBytes(StandardCharsets.UTF_8)));
      partial.setLength(0);
    }
    if (!paused) {
      webSocket.request(1);
    }
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

  /** Says goodbye if the server has not closed already, and lets go of the connection. */
  @Override
  public void close() {
    if (!closed.isDone()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    socket.abort();
  }
}
