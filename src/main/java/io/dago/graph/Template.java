package io.dago.graph;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A prompt with {@code {{input.a.b}}} and {@code {{nodes.ID.output}}} placeholders, compiled once.
 * PLACEHOLDER: implemented in the graph package work.
 */
public final class Template {

  /** What a placeholder refers to. */
  public sealed interface Reference permits InputReference, NodeOutputReference {}

  /** {@code {{input.a.b}}}: the path of keys into the graph's input. */
  public record InputReference(List<String> path) implements Reference {}

  /** {@code {{nodes.ID.output}}}: the output of node ID. */
  public record NodeOutputReference(String nodeId) implements Reference {}

  private Template() {}

  /** @throws TemplateSyntaxException when a placeholder does not parse */
  public static Template parse(String text) {
    throw new UnsupportedOperationException("not yet");
  }

  public List<Reference> references() {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * Renders the template. Input values that are not strings render as JSON.
   *
   * @param nodeOutput the output of the node with the given plan index... resolved by id
   */
  public String render(Map<String, Object> input, java.util.function.Function<String, String> nodeOutput) {
    throw new UnsupportedOperationException("not yet");
  }
}
