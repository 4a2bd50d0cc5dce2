package io.dago.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks how a parsed graph's nodes relate: unique ids, dependencies that name other existing nodes once each,
 * no cycles, templates that parse and refer only to input that exists and to upstream nodes, and a size and
 * prompts within the limits. Reports every problem at once, together with the parser's, and builds the {@link GraphPlan} when
 * there is none.
 *
 * <p>Everything is iterative and, apart from the ancestor walks {@link ReferenceChecker} describes, linear in
 * the number of nodes and dependencies, so a chain of any length neither overflows the stack nor takes long.
 */
final class GraphValidator {
  private final int maxNodes;
  private final GraphLimits limits;

  GraphValidator(int maxNodes) {
    this(GraphLimits.ofNodes(maxNodes));
  }

  GraphValidator(GraphLimits limits) {
    this.limits = limits;
    this.maxNodes = limits.maxNodes();
  }

  /** @throws InvalidGraphException with every problem found */
  GraphPlan validate(GraphSpec spec) {
    return validate(ParsedGraph.of(spec));
  }

  /** @throws InvalidGraphException with the parser's problems and every one found here */
  GraphPlan validate(ParsedGraph parsed) {
    List<Problem> problems = new ArrayList<>(parsed.problems());
    List<NodeSpec> nodes = parsed.spec().nodes();
    if (nodes.size() > maxNodes) {
      // The limit protects the server, so a graph over it gets no further work.
      problems.add(new Problem(JsonPath.NODES,
          "the graph has " + nodes.size() + " nodes; the limit is " + maxNodes + " (DAGO_MAX_NODES)"));
      throw invalid(problems);
    }
    if (nodes.isEmpty()) {
      if (parsed.nodesReadable()) {
        problems.add(new Problem(JsonPath.NODES, "the graph has no nodes; add at least one"));
      }
      throw invalid(problems);
    }
    checkPromptSizes(nodes, problems);
    Map<String, Integer> indexById = index(nodes, problems);
    int[][] parents = parents(parsed, indexById, problems);
    int[][] children = children(parents);
    Topology topology = Topology.of(parents, children);
    if (!topology.acyclic()) {
      CycleFinder.report(parsed, children, topology, problems);
    }
    ReferenceChecker references = new ReferenceChecker(parsed, indexById, parents, children, topology, problems);
    references.check();
    if (!problems.isEmpty()) {
      throw invalid(problems);
    }
    return new GraphPlan(parsed.spec(), indexById, parents, children, references.prompts(), references.systems(),
        roots(parents), topology.depth());
  }

  private static InvalidGraphException invalid(List<Problem> problems) {
    return new InvalidGraphException(ProblemOrder.sort(problems));
  }

  private void checkPromptSizes(List<NodeSpec> nodes, List<Problem> problems) {
    for (int i = 0; i < nodes.size(); i++) {
      NodeSpec node = nodes.get(i);
      checkPromptSize(i, "prompt", node.prompt(), problems);
      checkPromptSize(i, "system", node.system(), problems);
    }
  }

  private void checkPromptSize(int node, String field, String text, List<Problem> problems) {
    if (!limits.promptFits(text)) {
      problems.add(new Problem(JsonPath.nodeField(node, field), "is " + GraphLimits.utf8Length(text)
          + " bytes long; the limit is " + limits.maxPromptBytes() + " bytes (DAGO_MAX_PROMPT_BYTES)"));
    }
  }

  /** Maps each id to its first node; a later node with the same id is a problem. */
  private static Map<String, Integer> index(List<NodeSpec> nodes, List<Problem> problems) {
    Map<String, Integer> indexById = HashMap.newHashMap(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      String id = nodes.get(i).id();
      if (id == null) {
        continue;
      }
      Integer first = indexById.putIfAbsent(id, i);
      if (first != null) {
        problems.add(new Problem(JsonPath.nodeField(i, "id"),
            "duplicate node id '" + GraphParser.shorten(id) + "' (also at " + JsonPath.node(first) + ")"));
      }
    }
    return indexById;
  }

  /** Resolves each node's depends_on into parent indexes, leaving out (and reporting) what cannot be an edge. */
  private static int[][] parents(ParsedGraph parsed, Map<String, Integer> indexById, List<Problem> problems) {
    List<NodeSpec> nodes = parsed.spec().nodes();
    int n = nodes.size();
    int[][] parents = new int[n][];
    // Which node last listed a parent, and at which position, so that a repeat is found without a set per node.
    int[] listedBy = new int[n];
    int[] listedAt = new int[n];
    for (int i = 0; i < n; i++) {
      NodeSpec node = nodes.get(i);
      List<String> dependsOn = node.dependsOn();
      int[] resolved = new int[dependsOn.size()];
      int count = 0;
      for (int k = 0; k < dependsOn.size(); k++) {
        String id = dependsOn.get(k);
        int position = parsed.dependsOnPosition(i, k);
        Integer parent = indexById.get(id);
        if (id.equals(node.id())) {
          problems.add(new Problem(dependsOnPath(i, position),
              "node '" + GraphParser.shorten(id) + "' cannot depend on itself"));
        } else if (parent == null) {
          problems.add(new Problem(dependsOnPath(i, position),
              "depends on unknown node '" + GraphParser.shorten(id) + "'"));
        } else if (listedBy[parent] == i + 1) {
          problems.add(new Problem(dependsOnPath(i, position), "'" + GraphParser.shorten(id)
              + "' is listed twice (also at " + dependsOnPath(i, listedAt[parent]) + ")"));
        } else {
          listedBy[parent] = i + 1;
          listedAt[parent] = position;
          resolved[count++] = parent;
        }
      }
      parents[i] = count == resolved.length ? resolved : Arrays.copyOf(resolved, count);
    }
    return parents;
  }

  private static String dependsOnPath(int node, int position) {
    return JsonPath.element(JsonPath.nodeField(node, "depends_on"), position);
  }

  private static int[][] children(int[][] parents) {
    int n = parents.length;
    int[] counts = new int[n];
    for (int[] ofNode : parents) {
      for (int parent : ofNode) {
        counts[parent]++;
      }
    }
    int[][] children = new int[n][];
    for (int i = 0; i < n; i++) {
      children[i] = new int[counts[i]];
      counts[i] = 0;
    }
    for (int child = 0; child < n; child++) {
      for (int parent : parents[child]) {
        children[parent][counts[parent]++] = child;
      }
    }
    return children;
  }

  private static int[] roots(int[][] parents) {
    int count = 0;
    for (int[] ofNode : parents) {
      count += ofNode.length == 0 ? 1 : 0;
    }
    int[] roots = new int[count];
    int next = 0;
    for (int i = 0; i < parents.length; i++) {
      if (parents[i].length == 0) {
        roots[next++] = i;
      }
    }
    return roots;
  }
}
