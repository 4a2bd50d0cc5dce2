package io.dago.graph;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Compiles every node's prompt and system templates and checks what they refer to: an input path must exist in
 * the graph input, and a node may read only the output of its ancestors, the only nodes certain to have
 * completed before it runs.
 *
 * <p>Cost of the ancestor check: a reference to a direct parent is answered from a mark per parent. Every other
 * one waits for a single walk up the node's ancestors, which stops as soon as all of the node's outstanding
 * targets are found and does not climb past an ancestor whose level is too low to lead to any of them. A target
 * that many nodes read from afar (every step of a long pipeline quoting the brief) gets its descendants computed
 * once instead, within a memory budget. References to parents, near ancestors or a few popular nodes, the usual
 * cases, keep the whole check linear; the worst case left is a deep graph where many nodes each reach far up to a
 * different node, at depth times such nodes.
 */
final class ReferenceChecker {
  /** After this many distant references to one target, its descendant set is cheaper than more walks. */
  private static final int CACHE_AFTER = 4;
  /** Bits all cached descendant sets may take together. */
  private static final long CACHE_BITS = 1L << 26;

  private final ParsedGraph parsed;
  private final List<NodeSpec> nodes;
  private final Map<String, Integer> indexById;
  private final int[][] parents;
  private final int[][] children;
  private final Topology topology;
  private final List<Problem> problems;

  private final Template[] prompts;
  private final Template[] systems;
  /** Stamps, one per node, so that no array is cleared between nodes: a slot is set when it equals the stamp. */
  private final int[] parentMark;
  private final int[] targetMark;
  private final int[] foundMark;
  private final int[] seenMark;
  private final int[] queue;
  private int stamp;
  private final int[] distantReads;
  private final Map<Integer, BitSet> descendants = new HashMap<>();
  private final int maxCached;

  /** A reference to a node that is not a direct parent, waiting for the ancestor walk. */
  private record Distant(int target, String field, Template.NodeOutputReference reference) {}

  ReferenceChecker(ParsedGraph parsed, Map<String, Integer> indexById, int[][] parents, int[][] children,
      Topology topology, List<Problem> problems) {
    this.parsed = parsed;
    this.nodes = parsed.spec().nodes();
    this.indexById = indexById;
    this.parents = parents;
    this.children = children;
    this.topology = topology;
    this.problems = problems;
    int n = nodes.size();
    this.prompts = new Template[n];
    this.systems = new Template[n];
    this.parentMark = new int[n];
    this.targetMark = new int[n];
    this.foundMark = new int[n];
    this.seenMark = new int[n];
    this.queue = new int[n];
    this.distantReads = new int[n];
    this.maxCached = (int) Math.min(n, CACHE_BITS / Math.max(1, n));
  }

  void check() {
    List<Distant> distant = new ArrayList<>();
    for (int node = 0; node < nodes.size(); node++) {
      stamp = node + 1;
      for (int parent : parents[node]) {
        parentMark[parent] = stamp;
      }
      distant.clear();
      NodeSpec spec = nodes.get(node);
      prompts[node] = compile(node, "prompt", spec.prompt(), distant);
      systems[node] = compile(node, "system", spec.system(), distant);
      if (!distant.isEmpty()) {
        checkDistant(node, distant);
      }
    }
  }

  /** Per node, its compiled prompt; null where it was missing or did not parse. */
  Template[] prompts() {
    return prompts;
  }

  /** Per node, its compiled system prompt; null where it was absent or did not parse. */
  Template[] systems() {
    return systems;
  }

  private Template compile(int node, String field, String text, List<Distant> distant) {
    if (text == null) {
      return null;
    }
    Template template;
    try {
      template = Template.parse(text);
    } catch (TemplateSyntaxException e) {
      problems.add(new Problem(JsonPath.nodeField(node, field), e.getMessage()));
      return null;
    }
    List<Template.Reference> references = template.references();
    for (Template.Reference reference : references.size() > 1 ? new LinkedHashSet<>(references) : references) {
      switch (reference) {
        case Template.InputReference input -> checkInput(node, field, input);
        case Template.NodeOutputReference output -> checkOutput(node, field, output, distant);
      }
    }
    return template;
  }

  private void checkInput(int node, String field, Template.InputReference reference) {
    // An input that was not an object has been reported already; every path into it would only repeat that.
    if (parsed.inputReadable() && new InputPath(reference.path()).lookup(parsed.spec().input()) == InputPath.MISSING) {
      problems.add(new Problem(JsonPath.nodeField(node, field), reference + " refers to '"
          + String.join(".", reference.path()) + "', which the graph input does not have"));
    }
  }

  private void checkOutput(int node, String field, Template.NodeOutputReference reference, List<Distant> distant) {
    Integer target = indexById.get(reference.nodeId());
    if (target == null) {
      problems.add(new Problem(JsonPath.nodeField(node, field),
          reference + " refers to unknown node '" + reference.nodeId() + "'"));
    } else if (target == node) {
      problems.add(new Problem(JsonPath.nodeField(node, field),
          "node '" + reference.nodeId() + "' cannot use its own output"));
    } else if (parentMark[target] != stamp) {
      distant.add(new Distant(target, field, reference));
    }
  }

  /**
   * Answers the node's distant references, from cached descendant sets where there are some, else by going
   * breadth-first up its parents until every remaining target has been met or nothing is left to climb.
   */
  private void checkDistant(int node, List<Distant> distant) {
    int remaining = 0;
    int lowestTargetLevel = Integer.MAX_VALUE;
    for (Distant reference : distant) {
      BitSet below = cachedDescendants(reference.target);
      if (below != null) {
        if (below.get(node)) {
          foundMark[reference.target] = stamp;
        }
      } else if (targetMark[reference.target] != stamp) {
        targetMark[reference.target] = stamp;
        remaining++;
        lowestTargetLevel = Math.min(lowestTargetLevel, topology.level(reference.target));
      }
    }
    // Levels only order the nodes when the graph is acyclic (cycles are reported elsewhere).
    boolean prune = topology.acyclic();
    int tail = 0;
    seenMark[node] = stamp;
    for (int parent : parents[node]) {
      seenMark[parent] = stamp;
      queue[tail++] = parent;
    }
    for (int head = 0; head < tail && remaining > 0; head++) {
      int ancestor = queue[head];
      if (targetMark[ancestor] == stamp && foundMark[ancestor] != stamp) {
        foundMark[ancestor] = stamp;
        remaining--;
      }
      // A target is an ancestor of this one only if its level is lower, so a low ancestor leads nowhere useful.
      if (prune && topology.level(ancestor) <= lowestTargetLevel) {
        continue;
      }
      for (int parent : parents[ancestor]) {
        if (seenMark[parent] != stamp) {
          seenMark[parent] = stamp;
          queue[tail++] = parent;
        }
      }
    }
    for (Distant reference : distant) {
      if (foundMark[reference.target] != stamp) {
        String of = nodes.get(node).id() == null ? "this node" : "'" + nodes.get(node).id() + "'";
        problems.add(new Problem(JsonPath.nodeField(node, reference.field), "'" + reference.reference.nodeId()
            + "' is not an upstream node of " + of + ": add it to depends_on"));
      }
    }
  }

  /** @return the target's descendants once it is read from afar often enough to be worth it, else null */
  private BitSet cachedDescendants(int target) {
    BitSet cached = descendants.get(target);
    if (cached != null || ++distantReads[target] < CACHE_AFTER || descendants.size() >= maxCached) {
      return cached;
    }
    BitSet below = new BitSet(nodes.size());
    int tail = 0;
    queue[tail++] = target;
    for (int head = 0; head < tail; head++) {
      for (int child : children[queue[head]]) {
        // On a cycle the walk comes back to the target, which must not be queued twice.
        if (child != target && !below.get(child)) {
          below.set(child);
          queue[tail++] = child;
        }
      }
    }
    descendants.put(target, below);
    return below;
  }
}
