package io.dago.graph;

import io.dago.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A prompt with {@code {{input.a.b}}} and {@code {{nodes.ID.output}}} placeholders, compiled once.
 * Every <code>{{</code> opens a placeholder; spaces just inside the braces are allowed ({@code {{ input.topic }}}).
 *
 * <p>Rendering runs once per node attempt, so the text is split up front into literals and compiled placeholders,
 * and {@link #render} sizes its buffer exactly before copying anything. A template is immutable and thread-safe.
 */
public final class Template {
  private static final String OPEN = "{{";
  private static final String CLOSE = "}}";
  private static final String HINT = "use {{input.KEY}} or {{nodes.ID.output}}";
  /** A placeholder quoted in an error message is cut to this many characters. */
  private static final int QUOTED_MAX = 60;

  /** What a placeholder refers to. */
  public sealed interface Reference permits InputReference, NodeOutputReference {}

  /** {@code {{input.a.b}}}: the path of keys into the graph's input. */
  public record InputReference(List<String> path) implements Reference {
    public InputReference {
      path = List.copyOf(path);
    }

    @Override
    public String toString() {
      return "{{input." + String.join(".", path) + "}}";
    }
  }

  /** {@code {{nodes.ID.output}}}: the output of node ID. */
  public record NodeOutputReference(String nodeId) implements Reference {
    @Override
    public String toString() {
      return "{{nodes." + nodeId + ".output}}";
    }
  }

  private final String text;
  /** One more literal than placeholders: literals[i] comes before placeholder i, the last one after them all. */
  private final String[] literals;
  private final List<Reference> references;
  /** Per placeholder, its compiled input path, or null when it is a node output. */
  private final InputPath[] inputPaths;
  /** Per placeholder, the node whose output it is, or null when it is an input path. */
  private final String[] nodeIds;
  private final int literalLength;

  private Template(String text, List<String> literals, List<Reference> references) {
    this.text = text;
    this.literals = literals.toArray(String[]::new);
    this.references = List.copyOf(references);
    this.inputPaths = new InputPath[references.size()];
    this.nodeIds = new String[references.size()];
    for (int i = 0; i < references.size(); i++) {
      switch (references.get(i)) {
        case InputReference input -> inputPaths[i] = new InputPath(input.path());
        case NodeOutputReference node -> nodeIds[i] = node.nodeId();
      }
    }
    int length = 0;
    for (String literal : literals) {
      length += literal.length();
    }
    this.literalLength = length;
  }

  /** @throws TemplateSyntaxException when a placeholder does not parse */
  public static Template parse(String text) {
    List<String> literals = new ArrayList<>();
    List<Reference> references = new ArrayList<>();
    int from = 0;
    int open;
    while ((open = text.indexOf(OPEN, from)) >= 0) {
      int close = text.indexOf(CLOSE, open + OPEN.length());
      int next = text.indexOf(OPEN, open + OPEN.length());
      if (close < 0 || (next >= 0 && next < close)) {
        throw new TemplateSyntaxException(
            "unterminated placeholder starting at character " + position(text, open), position(text, open));
      }
      literals.add(text.substring(from, open));
      references.add(reference(text, open, text.substring(open + OPEN.length(), close)));
      from = close + CLOSE.length();
    }
    literals.add(text.substring(from));
    return new Template(text, literals, references);
  }

  /** The placeholders in order of appearance, repeats included. */
  public List<Reference> references() {
    return references;
  }

  /**
   * Renders the template: input strings go in as they are, other input values (numbers, booleans, objects,
   * lists, null) as JSON.
   *
   * @param nodeOutput the output of the node with the given id; must not return null for a referenced node
   * @throws IllegalArgumentException when the input has no value at a referenced path, or a referenced node
   *     has no output; a validated graph rules out both for the input it was validated with
   */
  public String render(Map<String, Object> input, Function<String, String> nodeOutput) {
    if (nodeIds.length == 0) {
      return text;
    }
    String[] values = new String[nodeIds.length];
    int length = literalLength;
    for (int i = 0; i < values.length; i++) {
      String value = inputPaths[i] != null ? inputValue(input, inputPaths[i]) : nodeOutput.apply(nodeIds[i]);
      if (value == null) {
        throw new IllegalArgumentException("node '" + nodeIds[i] + "' has no output to insert");
      }
      values[i] = value;
      length += value.length();
    }
    StringBuilder out = new StringBuilder(length);
    out.append(literals[0]);
    for (int i = 0; i < values.length; i++) {
      out.append(values[i]).append(literals[i + 1]);
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return text;
  }

  private static String inputValue(Map<String, Object> input, InputPath path) {
    Object value = path.lookup(input);
    if (value == InputPath.MISSING) {
      throw new IllegalArgumentException("the graph input has no value at " + path);
    }
    if (value instanceof String string) {
      return string;
    }
    return value == null ? "null" : Json.writeString(value);
  }

  private static Reference reference(String text, int open, String body) {
    String[] parts = body.strip().split("\\.", -1);
    int position = position(text, open);
    if (parts[0].equals("input")) {
      if (parts.length < 2 || !allKeys(parts, 1, parts.length)) {
        throw new TemplateSyntaxException("malformed placeholder " + quote(body) + " at character " + position
            + ": use {{input.KEY}}, with nested keys joined by '.'", position);
      }
      return new InputReference(List.of(parts).subList(1, parts.length));
    }
    if (parts[0].equals("nodes")) {
      if (parts.length != 3 || !allKeys(parts, 1, 2) || !parts[2].equals("output")) {
        throw new TemplateSyntaxException("malformed placeholder " + quote(body) + " at character " + position
            + ": use {{nodes.ID.output}}", position);
      }
      return new NodeOutputReference(parts[1]);
    }
    throw new TemplateSyntaxException(
        "unknown placeholder " + quote(body) + " at character " + position + ": " + HINT, position);
  }

  /** A key may hold anything a JSON key can, except what would make the placeholder ambiguous to read. */
  private static boolean allKeys(String[] parts, int from, int to) {
    for (int i = from; i < to; i++) {
      String part = parts[i];
      if (part.isEmpty()) {
        return false;
      }
      for (int j = 0; j < part.length(); j++) {
        char c = part.charAt(j);
        if (Character.isWhitespace(c) || c == '{' || c == '}') {
          return false;
        }
      }
    }
    return true;
  }

  private static String quote(String body) {
    String shown = body.length() <= QUOTED_MAX ? body : body.substring(0, QUOTED_MAX) + "...";
    return "'" + OPEN + shown + CLOSE + "'";
  }

  private static int position(String text, int index) {
    return text.codePointCount(0, index) + 1;
  }
}
