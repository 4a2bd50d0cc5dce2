package io.dago.graph;

import java.util.List;
import java.util.Map;

/**
 * A graph as the user described it, after parsing and before validation.
 *
 * @param input free-form JSON object the prompts can quote ({@code {{input.a.b}}}); never null
 * @param timeoutSeconds bound on the whole run, or null for none
 */
public record GraphSpec(String name, Map<String, Object> input, Integer timeoutSeconds, List<NodeSpec> nodes) {

  public GraphSpec {
    input = input == null ? Map.of() : input;
    nodes = List.copyOf(nodes);
  }
}
