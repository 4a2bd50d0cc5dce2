package io.dago.it.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Graph documents of known shapes for the fault tests; each node's prompt quotes its parents' outputs. */
final class GraphDocs {
  private GraphDocs() {}

  /** {@code n0 -> n1 -> ... -> n(length-1)}. */
  static String chain(String name, int length) {
    List<String> nodes = new ArrayList<>();
    nodes.add(node("n0", List.of(), "start of " + name));
    for (int i = 1; i < length; i++) {
      nodes.add(node("n" + i, List.of("n" + (i - 1)), "step " + i + " after {{nodes.n" + (i - 1) + ".output}}"));
    }
    return document(name, nodes);
  }

  /** {@code a -> (b, c) -> d}. */
  static String diamond(String name) {
    return document(name, List.of(
        node("a", List.of(), "root of " + name),
        node("b", List.of("a"), "left of {{nodes.a.output}}"),
        node("c", List.of("a"), "right of {{nodes.a.output}}"),
        node("d", List.of("b", "c"), "join {{nodes.b.output}} and {{nodes.c.output}}")));
  }

  /** {@code width} independent roots {@code w0..} and a node {@code join} that depends on all of them. */
  static String wide(String name, int width) {
    List<String> nodes = new ArrayList<>();
    List<String> roots = IntStream.range(0, width).mapToObj(i -> "w" + i).toList();
    roots.forEach(root -> nodes.add(node(root, List.of(), root + " of " + name)));
    nodes.add(node("join", roots, "join of " + name));
    return document(name, nodes);
  }

  private static String node(String id, List<String> dependsOn, String prompt) {
    String deps = dependsOn.stream().map(d -> '"' + d + '"').collect(Collectors.joining(", "));
    return "{\"id\": \"" + id + "\", \"depends_on\": [" + deps + "], \"prompt\": \"" + prompt + "\"}";
  }

  private static String document(String name, List<String> nodes) {
    return "{\"name\": \"" + name + "\", \"nodes\": [\n  " + String.join(",\n  ", nodes) + "]}";
  }
}
