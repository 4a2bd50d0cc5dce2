package io.dago.load;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket client following, one after the other, every graph its submitter hands it: connects to
 * {@code /api/v1/graphs/{id}/events}, reads to the close, and reconnects with {@code ?after=} (up to three times) when
 * the close is not 1000, as the README tells clients to. Keeps each graph's events for the final check, and counts
 * close codes.
 */
final class Watcher implements Runnable {
  private static final int RECONNECTS = 3;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(90);

  private final HttpClient http;
  private final String wsBase;
  private final BlockingQueue<String> graphs = new LinkedBlockingQueue<>();
  private final AtomicBoolean submitterDone;
  private final Map<String, List<Map<String, Object>>> logs;
  private final Map<String, Integer> closeCodes;
  private final List<String> failures;

  Watcher(HttpClient http, String wsBase, AtomicBoolean submitterDone, Map<String, List<Map<String, Object>>> logs,
      Map<String, Integer> closeCodes, List<String> failures) {
    this.http = http;
    this.wsBase = wsBase;
    this.submitterDone = submitterDone;
    this.logs = logs;
    this.closeCodes = closeCodes;
    this.failures = failures;
  }

  void follow(String graphId) {
    graphs.add(graphId);
  }

  int backlog() {
    return graphs.size();
  }

  @Override
  public void run() {
    try {
      while (true) {
        String id = graphs.poll(200, TimeUnit.MILLISECONDS);
        if (id == null) {
          if (submitterDone.get() && graphs.isEmpty()) {
            return;
          }
          continue;
        }
        followToTheEnd(id);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void followToTheEnd(String id) throws InterruptedException {
    List<Map<String, Object>> events = new ArrayList<>();
    long after = 0;
    for (int attempt = 0; attempt <= RECONNECTS; attempt++) {
      Session session = new Session();
      try {
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
            .buildAsync(URI.create(wsBase + "/api/v1/graphs/" + id + "/events" + (after > 0 ? "?after=" + after : "")),
                session)
            .get(30, TimeUnit.SECONDS);
        int code = session.closed.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        closeCodes.merge(String.valueOf(code), 1, Integer::sum);
        events.addAll(session.events);
        for (Map<String, Object> event : session.events) {
          if (event.get("seq") instanceof Number seq) {
            after = seq.longValue();
          }
        }
        if (code == 1000) {
          logs.put(id, events);
          return;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        closeCodes.merge("error: " + e.getClass().getSimpleName(), 1, Integer::sum);
        events.addAll(session.events);
      }
    }
    logs.put(id, events);
    failures.add("graph " + id + ": the WebSocket never closed with 1000 in " + (RECONNECTS + 1) + " connections");
  }

  /** One connection. */
  private static final class Session implements WebSocket.Listener {
    final List<Map<String, Object>> events = new ArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        events.add(Json.parseObject(partial.toString().getBytes(StandardCharsets.UTF_8)));
        partial.setLength(0);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(-1);
    }
  }

  /** Close codes by how often they came, for the report; shared by all watchers. */
  static Map<String, Integer> newCloseCodes() {
    return new ConcurrentHashMap<>();
  }
}
