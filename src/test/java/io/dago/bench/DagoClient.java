package io.dago.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import io.dago.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs graphs on a dago server the way any client would: {@code POST /api/v1/graphs}, then
 * {@code GET /api/v1/graphs/{id}?wait=60} until the graph is terminal. Given several instances of one deployment
 * (Redis mode), a single graph goes to the first, and a burst of graphs is spread over all of them in turn, each
 * graph polled on the instance it was submitted to, as behind a round-robin load balancer.
 *
 * <p>Kept light so that it takes as little of the machine as it can from the server it measures: one shared
 * HTTP/1.1 client, virtual threads, and a streaming read of just the leading {@code id} and {@code status} fields
 * while the clock runs. The full answer is parsed only afterwards, to check that every node completed.
 */
final class DagoClient implements AutoCloseable {
  static final int WAIT_SECONDS = 60;
  /** How long one graph may take before the run is declared broken rather than slow. */
  private static final Duration GIVE_UP = Duration.ofSeconds(3 * WAIT_SECONDS);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Shared buffers: the default pool keeps them per thread, and every graph here has a virtual thread of its own. */
  private static final JsonFactory STREAMS =
      JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();

  private final ExecutorService clientThreads = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpClient http;
  /** {@code /api/v1/graphs} on each instance */
  private final List<URI> graphs;

  /** @param bases each instance's root, such as {@code http://127.0.0.1:8080}; at least one */
  DagoClient(List<URI> bases) {
    if (bases.isEmpty()) {
      throw new IllegalArgumentException("no server to talk to");
    }
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .executor(clientThreads)
        .connectTimeout(CONNECT_TIMEOUT)
        .build();
    this.graphs = bases.stream().map(base -> base.resolve("/api/v1/graphs")).toList();
  }

  /**
   * One graph's answer once it completed.
   *
   * @param startNanos just before the submit request was sent
   * @param endNanos just after the answer saying {@code completed} was read
   * @param body that answer: the graph's full state
   */
  record Finished(String id, long startNanos, long endNanos, byte[] body) {
    long elapsedNanos() {
      return endNanos - startNanos;
    }
  }

  /**
   * Submits a graph and waits for it to finish.
   *
   * @throws BenchException when the server answers with an error or the graph ends other than {@code completed}
   */
  Finished run(byte[] graph) throws InterruptedException {
    return run(graph, graphs.get(0));
  }

  /** @param instance {@code /api/v1/graphs} on the instance to submit to and poll */
  private Finished run(byte[] graph, URI instance) throws InterruptedException {
    long start = System.nanoTime();
    HttpResponse<byte[]> submitted = send(HttpRequest.newBuilder(instance)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(graph))
        .build());
    if (submitted.statusCode() != 202) {
      throw new BenchException("POST /api/v1/graphs answered " + submitted.statusCode() + ": " + excerpt(submitted.body()));
    }
    byte[] body = submitted.body();
    Head head = head(body);
    if (head.id() == null) {
      throw new BenchException("POST /api/v1/graphs answered 202 without a graph id: " + excerpt(body));
    }
    URI poll = URI.create(instance + "/" + head.id() + "?wait=" + WAIT_SECONDS);
    long giveUp = start + GIVE_UP.toNanos();
    while (!head.isTerminal()) {
      if (System.nanoTime() - giveUp > 0) {
        throw new BenchException("graph " + head.id() + " still " + head.status() + " after " + GIVE_UP.toSeconds() + " s");
      }
      HttpResponse<byte[]> polled = send(HttpRequest.newBuilder(poll)
          .GET()
          .build());
      if (polled.statusCode() != 200) {
        throw new BenchException("GET /api/v1/graphs/" + head.id() + " answered " + polled.statusCode() + ": "
            + excerpt(polled.body()));
      }
      body = polled.body();
      head = head(body);
    }
    long end = System.nanoTime();
    if (!head.status().equals("completed")) {
      throw new BenchException("graph " + head.id() + " ended " + head.status() + ": " + graphError(body));
    }
    return new Finished(head.id(), start, end, body);
  }

  /**
   * Runs {@code count} copies of a graph at once: one virtual thread each, all released together once every
   * thread is ready, so that every graph is in flight at the same time. The i-th graph goes to instance i modulo
   * the number of instances.
   *
   * @return every graph's result, in no particular order
   * @throws BenchException naming how many graphs failed and how, when any did
   */
  List<Finished> runConcurrently(byte[] graph, int count) throws InterruptedException {
    return Burst.run(count, i -> () -> run(graph, graphs.get(i % graphs.size())), e -> withoutGraphIds(
        e instanceof BenchException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage()));
  }

  /** So that the same failure of many graphs is counted as one kind. */
  private static String withoutGraphIds(String message) {
    return message.replaceAll("/api/v1/graphs/[^ ?:/]+", "/api/v1/graphs/{id}").replaceAll("graph [0-9A-Za-z]{26}", "graph {id}");
  }

  /**
   * Checks what the clock did not wait for: that the answer holds exactly the expected number of nodes and every
   * one of them completed.
   */
  static void requireAllNodesCompleted(Finished graph, int expectedNodes) {
    Map<String, Object> state = Json.parseObject(graph.body());
    if (!(state.get("nodes") instanceof List<?> nodes)) {
      throw new BenchException("graph " + graph.id() + " answered without a node list: " + excerpt(graph.body()));
    }
    if (nodes.size() != expectedNodes) {
      throw new BenchException("graph " + graph.id() + " has " + nodes.size() + " nodes, expected " + expectedNodes);
    }
    int notCompleted = 0;
    Object first = null;
    for (Object node : nodes) {
      if (!(node instanceof Map<?, ?> fields) || !"completed".equals(fields.get("status"))) {
        notCompleted++;
        first = first == null ? node : first;
      }
    }
    if (notCompleted > 0) {
      throw new BenchException("graph " + graph.id() + " completed but " + notCompleted + " of its " + expectedNodes
          + " nodes did not, for example " + Json.writeString(first));
    }
  }

  /** @throws BenchException naming the request, when the exchange fails below HTTP (a reset, a closed connection) */
  private HttpResponse<byte[]> send(HttpRequest request) throws InterruptedException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new BenchException(request.method() + " " + request.uri().getRawPath() + " failed: "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** The graph's {@code id} and {@code status}, the first fields of its state, read without parsing the rest. */
  private record Head(String id, String status) {
    boolean isTerminal() {
      return "completed".equals(status) || "failed".equals(status) || "cancelled".equals(status);
    }
  }

  private static Head head(byte[] body) {
    String id = null;
    String status = null;
    try (JsonParser parser = STREAMS.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new BenchException("expected a JSON object, got: " + excerpt(body));
      }
      while ((id == null || status == null) && parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (value == JsonToken.VALUE_STRING && field.equals("id")) {
          id = parser.getText();
        } else if (value == JsonToken.VALUE_STRING && field.equals("status")) {
          status = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new BenchException("unreadable graph state (" + e.getMessage() + "): " + excerpt(body));
    }
    if (status == null) {
      throw new BenchException("the graph's state has no status: " + excerpt(body));
    }
    return new Head(id, status);
  }

  private static String graphError(byte[] body) {
    Object error = Json.parseObject(body).get("error");
    return error == null ? "(no error given)" : Json.writeString(error);
  }

  private static String excerpt(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    return text.length() <= 500 ? text : text.substring(0, 500) + "...";
  }

  @Override
  public void close() {
    http.close();
    clientThreads.close();
  }
}
