package io.dago.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a graph document, as a JSON tree, into a {@link GraphSpec} with every default applied. Checks each field
 * on its own (presence, type, range, unknown names); how the nodes relate to each other is the
 * {@link GraphValidator}'s job. Never stops at the first problem.
 */
final class GraphParser {
  static final List<String> GRAPH_FIELDS = List.of("name", "input", "timeout_seconds", "nodes");
  static final List<String> NODE_FIELDS = List.of("id", "type", "depends_on", "prompt", "system", "model",
      "max_tokens", "temperature", "timeout_seconds", "retry", "on_failure", "stream", "cache");
  static final List<String> RETRY_FIELDS = List.of("max_attempts", "initial_backoff_ms", "max_backoff_ms");

  static final int MAX_NAME_LENGTH = 200;
  static final int MAX_GRAPH_TIMEOUT_SECONDS = 604_800;
  static final int MAX_NODE_TIMEOUT_SECONDS = 86_400;
  static final int MAX_ID_LENGTH = 64;
  static final int MAX_TOKENS = 200_000;
  static final int MAX_ATTEMPTS = 100;
  static final long MAX_BACKOFF_MS = 3_600_000;

  private final List<Problem> problems = new ArrayList<>();

  private GraphParser() {}

  static ParsedGraph parse(Map<String, Object> document) {
    return new GraphParser().graph(document);
  }

  private ParsedGraph graph(Map<String, Object> document) {
    FieldReader graph = new FieldReader(document, JsonPath.ROOT, problems);
    graph.rejectUnknown(GRAPH_FIELDS);
    String name = graph.string("name");
    if (name != null && name.codePointCount(0, name.length()) > MAX_NAME_LENGTH) {
      graph.problem("name", "must be at most " + MAX_NAME_LENGTH + " characters, got "
          + name.codePointCount(0, name.length()));
    }
    Map<String, Object> input = graph.object("input");
    boolean inputReadable = input != null || !graph.has("input");
    Long timeout = graph.integer("timeout_seconds", 1, MAX_GRAPH_TIMEOUT_SECONDS);

    List<?> entries = graph.array("nodes");
    if (!graph.has("nodes")) {
      graph.problem("nodes", "is required");
    }
    List<NodeSpec> nodes = new ArrayList<>(entries == null ? 0 : entries.size());
    int[][] dependsOnPositions = new int[entries == null ? 0 : entries.size()][];
    if (entries != null) {
      String nodesPath = graph.path("nodes");
      for (int i = 0; i < entries.size(); i++) {
        String path = JsonPath.element(nodesPath, i);
        if (entries.get(i) instanceof Map<?, ?>) {
          @SuppressWarnings("unchecked")
          Map<String, Object> node = (Map<String, Object>) entries.get(i);
          nodes.add(node(new FieldReader(node, path, problems), dependsOnPositions, i));
        } else {
          problems.add(new Problem(path, "must be an object, got " + FieldReader.typeOf(entries.get(i))));
          nodes.add(standIn());
        }
      }
    }
    GraphSpec spec = new GraphSpec(name, input, timeout == null ? null : timeout.intValue(), nodes);
    return new ParsedGraph(spec, List.copyOf(problems), entries != null, inputReadable, dependsOnPositions);
  }

  private NodeSpec node(FieldReader node, int[][] dependsOnPositions, int index) {
    node.rejectUnknown(NODE_FIELDS);
    String id = node.requiredString("id");
    if (id != null && !isValidId(id)) {
      node.problem("id", "must be 1 to " + MAX_ID_LENGTH + " letters, digits, '_' or '-', got '" + shorten(id) + "'");
    }
    String type = node.string("type");
    if (type != null && !type.equals(NodeSpec.TYPE_LLM)) {
      node.problem("type", "unknown node type '" + shorten(type) + "': the only type is '" + NodeSpec.TYPE_LLM + "'");
    }
    List<String> dependsOn = dependsOn(node, dependsOnPositions, index);
    String prompt = node.requiredString("prompt");
    if (prompt != null && prompt.isEmpty()) {
      node.problem("prompt", "must not be empty");
      prompt = null;
    }
    String system = node.string("system");
    String model = node.string("model");
    if (model != null && model.isEmpty()) {
      node.problem("model", "must not be empty; leave it out to use the default model");
    }
    Long maxTokens = node.integer("max_tokens", 1, MAX_TOKENS);
    Double temperature = node.number("temperature", 0, 1);
    Long timeout = node.integer("timeout_seconds", 1, MAX_NODE_TIMEOUT_SECONDS);
    Map<String, Object> retry = node.object("retry");
    String onFailure = node.string("on_failure");
    Boolean stream = node.bool("stream");
    Boolean cache = node.bool("cache");
    return new NodeSpec(id, NodeSpec.TYPE_LLM, dependsOn, prompt, system, model,
        maxTokens == null ? NodeSpec.DEFAULT_MAX_TOKENS : maxTokens.intValue(),
        temperature,
        timeout == null ? NodeSpec.DEFAULT_TIMEOUT_SECONDS : timeout.intValue(),
        retry == null ? RetrySpec.DEFAULT : retry(new FieldReader(retry, node.path("retry"), problems)),
        onFailure == null ? OnFailure.FAIL_GRAPH : onFailure(node, onFailure),
        stream != null && stream,
        cache != null && cache);
  }

  private List<String> dependsOn(FieldReader node, int[][] dependsOnPositions, int index) {
    List<?> entries = node.array("depends_on");
    if (entries == null) {
      return List.of();
    }
    List<String> ids = new ArrayList<>(entries.size());
    int[] positions = new int[entries.size()];
    String path = node.path("depends_on");
    for (int k = 0; k < entries.size(); k++) {
      if (entries.get(k) instanceof String id) {
        positions[ids.size()] = k;
        ids.add(id);
      } else {
        problems.add(new Problem(JsonPath.element(path, k),
            "must be a string (a node id), got " + FieldReader.typeOf(entries.get(k))));
      }
    }
    if (ids.size() < entries.size()) {
      dependsOnPositions[index] = positions;
    }
    return ids;
  }

  /**
   * Reads a retry policy. When only one backoff bound is given and it conflicts with the other's default, the
   * default gives way (an initial backoff of a minute raises the cap to a minute), so that a user is told about a
   * conflict only between two values they wrote.
   */
  private RetrySpec retry(FieldReader retry) {
    retry.rejectUnknown(RETRY_FIELDS);
    RetrySpec defaults = RetrySpec.DEFAULT;
    Long attempts = retry.integer("max_attempts", 1, MAX_ATTEMPTS);
    Long initial = retry.integer("initial_backoff_ms", 0, MAX_BACKOFF_MS);
    Long max = retry.integer("max_backoff_ms", 0, MAX_BACKOFF_MS);
    if (initial != null && max != null && max < initial) {
      retry.problem("max_backoff_ms", "must be at least initial_backoff_ms (" + initial + "), got " + max);
    }
    long initialMs = initial != null ? initial
        : max != null ? Math.min(defaults.initialBackoffMs(), max) : defaults.initialBackoffMs();
    long maxMs = max != null ? max : Math.max(defaults.maxBackoffMs(), initialMs);
    return new RetrySpec(attempts == null ? defaults.maxAttempts() : attempts.intValue(), initialMs, maxMs);
  }

  private static OnFailure onFailure(FieldReader node, String value) {
    for (OnFailure candidate : OnFailure.values()) {
      if (candidate.wireName().equals(value)) {
        return candidate;
      }
    }
    node.problem("on_failure", "must be 'fail_graph' or 'continue', got '" + shorten(value) + "'");
    return OnFailure.FAIL_GRAPH;
  }

  /** Holds the place of a node that was not an object, so that later nodes keep their document index. */
  private static NodeSpec standIn() {
    return new NodeSpec(null, NodeSpec.TYPE_LLM, List.of(), null, null, null, NodeSpec.DEFAULT_MAX_TOKENS, null,
        NodeSpec.DEFAULT_TIMEOUT_SECONDS, RetrySpec.DEFAULT, OnFailure.FAIL_GRAPH, false, false);
  }

  static boolean isValidId(String id) {
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** Cuts a user's value quoted back in a message, so that a huge value cannot make a huge response. */
  static String shorten(String value) {
    return value.length() <= 80 ? value : value.substring(0, 80) + "...";
  }
}
