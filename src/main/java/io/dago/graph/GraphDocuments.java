package io.dago.graph;

import java.util.Map;

/** The way in for graph documents: from the JSON tree a client sent to a plan that can run. */
public final class GraphDocuments {

  private GraphDocuments() {}

  /**
   * Parses and validates a graph document. Structural checks run even when some fields are wrong, on whatever
   * could be read, so that one answer lists every problem.
   *
   * @param document the document as {@link io.dago.json.Json#parseObject} returns it
   * @param maxNodes the most nodes a graph may have
   * @throws InvalidGraphException carrying every problem, sorted in document order
   */
  public static GraphPlan plan(Map<String, Object> document, int maxNodes) {
    return plan(document, GraphLimits.ofNodes(maxNodes));
  }

  /**
   * Parses and validates a graph document against every limit: its node count and its prompts' sizes.
   *
   * @throws InvalidGraphException carrying every problem, sorted in document order
   */
  public static GraphPlan plan(Map<String, Object> document, GraphLimits limits) {
    return new GraphValidator(limits).validate(GraphParser.parse(document));
  }
}
