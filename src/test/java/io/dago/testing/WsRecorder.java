package io.dago.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's WebSocket client, keeping every text message the server sends and how the connection ended; for tests
 * that need {@code wss://} or to send frames of their own.
 */
public final class WsRecorder implements WebSocket.Listener, AutoCloseable {
  /** How the connection ended: the server's close code and reason, or code -1 and the error when it broke off. */
  public record Close(int code, String reason) {}

  private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private volatile WebSocket socket;

  private WsRecorder() {}

  /** Connects, over TLS when the URI is {@code wss://} and the client trusts the server. */
  public static WsRecorder connect(HttpClient client, URI uri) {
    WsRecorder recorder = new WsRecorder();
    recorder.socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, recorder)
        .join();
    return recorder;
  }

  public WebSocket socket() {
    return socket;
  }

  /** The next whole text message, or null when none came within the timeout. */
  public String poll(Duration timeout) throws InterruptedException {
    return messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Waits for the connection to end. */
  public Close awaitClose(Duration timeout) throws Exception {
    return closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(Long.MAX_VALUE);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      messages.add(partial.toString());
      partial.setLength(0);
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

  @Override
  public void close() {
    if (!closed.isDone()) {
      socket.abort();
    }
  }
}
