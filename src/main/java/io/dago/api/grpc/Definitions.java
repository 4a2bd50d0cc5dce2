package io.dago.api.grpc;

import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.RetryPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link GraphDefinition} into the JSON tree the HTTP API would have parsed from the same graph, so that
 * one parser and one validator judge both, and a problem has the same path ({@code $.nodes[0].prompt}) and message
 * whichever API reported it. Only the fields the client set go into the tree: an unset field is a missing JSON field,
 * which gets the same default or the same "is required".
 */
final class Definitions {
  private Definitions() {}

  static Map<String, Object> document(GraphDefinition graph) {
    Map<String, Object> document = new LinkedHashMap<>(8);
    if (graph.hasName()) {
      document.put("name", graph.getName());
    }
    if (graph.hasInput()) {
      document.put("input", Structs.toJson(graph.getInput(), "$.input"));
    }
    if (graph.hasTimeoutSeconds()) {
      document.put("timeout_seconds", graph.getTimeoutSeconds());
    }
    // Always present: an empty list gets the validator's "the graph has no nodes", the clearer message here.
    List<Object> nodes = new ArrayList<>(graph.getNodesCount());
    for (NodeDefinition node : graph.getNodesList()) {
      nodes.add(node(node));
    }
    document.put("nodes", nodes);
    return document;
  }

  private static Map<String, Object> node(NodeDefinition node) {
    Map<String, Object> map = new LinkedHashMap<>(16);
    if (node.hasId()) {
      map.put("id", node.getId());
    }
    if (node.hasType()) {
      map.put("type", node.getType());
    }
    if (node.getDependsOnCount() > 0) {
      map.put("depends_on", List.copyOf(node.getDependsOnList()));
    }
    if (node.hasPrompt()) {
      map.put("prompt", node.getPrompt());
    }
    if (node.hasSystem()) {
      map.put("system", node.getSystem());
    }
    if (node.hasModel()) {
      map.put("model", node.getModel());
    }
    if (node.hasMaxTokens()) {
      map.put("max_tokens", node.getMaxTokens());
    }
    if (node.hasTemperature()) {
      map.put("temperature", node.getTemperature());
    }
    if (node.hasTimeoutSeconds()) {
      map.put("timeout_seconds", node.getTimeoutSeconds());
    }
    if (node.hasRetry()) {
      map.put("retry", retry(node.getRetry()));
    }
    if (node.hasOnFailure()) {
      map.put("on_failure", node.getOnFailure());
    }
    if (node.hasStream()) {
      map.put("stream", node.getStream());
    }
    if (node.hasCache()) {
      map.put("cache", node.getCache());
    }
    return map;
  }

  private static Map<String, Object> retry(RetryPolicy retry) {
    Map<String, Object> map = new LinkedHashMap<>(4);
    if (retry.hasMaxAttempts()) {
      map.put("max_attempts", retry.getMaxAttempts());
    }
    if (retry.hasInitialBackoffMs()) {
      map.put("initial_backoff_ms", retry.getInitialBackoffMs());
    }
    if (retry.hasMaxBackoffMs()) {
      map.put("max_backoff_ms", retry.getMaxBackoffMs());
    }
    return map;
  }
}
