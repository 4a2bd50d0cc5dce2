package io.dago.api;

import io.dago.engine.Health;
import io.dago.engine.ValidationReport;
import io.dago.graph.Problem;
import io.dago.llm.Usage;
import io.dago.state.ErrorInfo;
import io.dago.state.Event;
import io.dago.state.GraphPage;
import io.dago.state.GraphView;
import io.dago.state.NodeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire shape of dago's values, shared by every API: domain values in, JSON trees out.
 *
 * <p>Rules every tree follows, so clients can rely on them: keys are snake_case and come in a fixed order; every
 * field is present, and a field without a value yet is null rather than missing (the one exception is an event's
 * {@code node_id}, present only on node events); times are ISO-8601 UTC strings.
 *
 * <p>This runs for every response, so it builds maps of the right size directly and copies nothing the domain
 * already holds as a JSON tree (graph input, event data).
 */
public final class ApiJson {
  private ApiJson() {}

  /**
   * A graph's full state:
   * {@code id, name, status, trace_id, created_at, started_at, finished_at, input, error, usage, nodes}.
   */
  public static Map<String, Object> graph(GraphView graph) {
    Map<String, Object> map = new LinkedHashMap<>(16);
    map.put("id", graph.id());
    map.put("name", graph.name());
    map.put("status", graph.status().wireName());
    map.put("trace_id", graph.traceId());
    map.put("created_at", time(graph.createdAt()));
    map.put("started_at", time(graph.startedAt()));
    map.put("finished_at", time(graph.finishedAt()));
    map.put("input", graph.input());
    map.put("error", error(graph.error()));
    map.put("usage", usage(graph.usage()));
    List<NodeView> nodes = graph.nodes();
    List<Object> nodeList = new ArrayList<>(nodes.size());
    for (NodeView node : nodes) {
      nodeList.add(node(node));
    }
    map.put("nodes", nodeList);
    return map;
  }

  /**
   * One node's state: {@code id, status, depends_on, attempts, output, error, usage, stop_reason, cached,
   * started_at, finished_at}.
   */
  public static Map<String, Object> node(NodeView node) {
    Map<String, Object> map = new LinkedHashMap<>(16);
    map.put("id", node.id());
    map.put("status", node.status().wireName());
    map.put("depends_on", node.dependsOn());
    map.put("attempts", node.attempts());
    map.put("output", node.output());
    map.put("error", error(node.error()));
    map.put("usage", usage(node.usage()));
    map.put("stop_reason", node.stopReason());
    map.put("cached", node.cached());
    map.put("started_at", time(node.startedAt()));
    map.put("finished_at", time(node.finishedAt()));
    return map;
  }

  /**
   * A graph as listings show it: {@code id, name, status, created_at, started_at, finished_at, error, usage,
   * node_count}.
   */
  public static Map<String, Object> summary(GraphView.Summary summary) {
    Map<String, Object> map = new LinkedHashMap<>(16);
    map.put("id", summary.id());
    map.put("name", summary.name());
    map.put("status", summary.status().wireName());
    map.put("created_at", time(summary.createdAt()));
    map.put("started_at", time(summary.startedAt()));
    map.put("finished_at", time(summary.finishedAt()));
    map.put("error", error(summary.error()));
    map.put("usage", usage(summary.usage()));
    map.put("node_count", summary.nodeCount());
    return map;
  }

  /** One page of a listing: {@code graphs} (summaries, newest first) and {@code next_cursor} (null on the last page). */
  public static Map<String, Object> page(GraphPage page) {
    List<GraphView.Summary> graphs = page.graphs();
    List<Object> list = new ArrayList<>(graphs.size());
    for (GraphView.Summary summary : graphs) {
      list.add(summary(summary));
    }
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put("graphs", list);
    map.put("next_cursor", page.nextCursor());
    return map;
  }

  /** {@code {input_tokens, output_tokens}}, or null when there is no usage yet. */
  public static Map<String, Object> usage(Usage usage) {
    if (usage == null) {
      return null;
    }
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put("input_tokens", usage.inputTokens());
    map.put("output_tokens", usage.outputTokens());
    return map;
  }

  /** {@code {code, message, retryable}}, or null when there is no error. */
  public static Map<String, Object> error(ErrorInfo error) {
    if (error == null) {
      return null;
    }
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put("code", error.code());
    map.put("message", error.message());
    map.put("retryable", error.retryable());
    return map;
  }

  /**
   * {@code {seq, type, graph_id, node_id, trace_id, time, data}}; {@code node_id} only on node events, {@code seq} only on
   * events the log stores (live-only {@code NodeDelta} events have none).
   */
  public static Map<String, Object> event(Event event) {
    Map<String, Object> map = new LinkedHashMap<>(8);
    if (event.type().isStored()) {
      map.put("seq", event.seq());
    }
    map.put("type", event.type().name());
    map.put("graph_id", event.graphId());
    if (event.nodeId() != null) {
      map.put("node_id", event.nodeId());
    }
    map.put("trace_id", event.traceId());
    map.put("time", time(event.time()));
    map.put("data", event.data());
    return map;
  }

  /** A list of events in the given order, as {@link #event} shapes each. */
  public static List<Object> events(List<Event> events) {
    List<Object> list = new ArrayList<>(events.size());
    for (Event event : events) {
      list.add(event(event));
    }
    return list;
  }

  /** {@code {status, components}}; each component's map is already in wire shape. */
  public static Map<String, Object> health(Health health) {
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put("status", health.status().wireName());
    map.put("components", health.components());
    return map;
  }

  /** {@code {valid: true, nodes, depth}}: an invalid graph is reported as an error, never as {@code valid: false}. */
  public static Map<String, Object> validation(ValidationReport report) {
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put("valid", true);
    map.put("nodes", report.nodes());
    map.put("depth", report.depth());
    return map;
  }

  /** An API error body: {@code {"error": {"code", "message"}}}. */
  public static Map<String, Object> apiError(String code, String message) {
    return apiError(code, message, Map.of());
  }

  /** An API error body whose {@code details} list where the request went wrong: {@code [{path, message}]}. */
  public static Map<String, Object> apiError(String code, String message, List<Problem> details) {
    List<Object> list = new ArrayList<>(details.size());
    for (Problem problem : details) {
      Map<String, Object> entry = new LinkedHashMap<>(4);
      entry.put("path", problem.path());
      entry.put("message", problem.message());
      list.add(entry);
    }
    return apiError(code, message, Map.of("details", list));
  }

  /**
   * An API error body with more members inside the error object after {@code code} and {@code message}, such as
   * the {@code status} of a graph that has already finished.
   */
  public static Map<String, Object> apiError(String code, String message, Map<String, ?> extra) {
    Map<String, Object> error = new LinkedHashMap<>(4 + extra.size() * 2);
    error.put("code", code);
    error.put("message", message);
    error.putAll(extra);
    Map<String, Object> body = new LinkedHashMap<>(2);
    body.put("error", error);
    return body;
  }

  private static String time(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
