package io.dago.graph;

import java.util.Map;

/**
 * A validated graph, indexed for execution: nodes by position, their parents and children as index arrays,
 * and their templates compiled. Immutable and shared by every run of the same document.
 * Only {@link GraphValidator} creates one, so holding a plan means the graph is acyclic and every
 * template reference resolves.
 */
public final class GraphPlan {
  private final GraphSpec spec;
  private final Map<String, Integer> indexById;
  private final int[][] parents;
  private final int[][] children;
  private final Template[] prompts;
  private final Template[] systems;
  private final int[] roots;
  private final int depth;

  GraphPlan(GraphSpec spec, Map<String, Integer> indexById, int[][] parents, int[][] children,
      Template[] prompts, Template[] systems, int[] roots, int depth) {
    this.spec = spec;
    this.indexById = Map.copyOf(indexById);
    this.parents = parents;
    this.children = children;
    this.prompts = prompts;
    this.systems = systems;
    this.roots = roots;
    this.depth = depth;
  }

  public GraphSpec spec() {
    return spec;
  }

  public int size() {
    return parents.length;
  }

  public NodeSpec node(int index) {
    return spec.nodes().get(index);
  }

  /** @return the node's index, or -1 when the graph has no such node */
  public int indexOf(String nodeId) {
    Integer index = indexById.get(nodeId);
    return index == null ? -1 : index;
  }

  /** Indexes of the node's direct dependencies. Callers must not modify the array. */
  public int[] parents(int index) {
    return parents[index];
  }

  /** Indexes of the nodes that depend directly on this one. Callers must not modify the array. */
  public int[] children(int index) {
    return children[index];
  }

  /** Nodes without dependencies, in document order. Callers must not modify the array. */
  public int[] roots() {
    return roots;
  }

  public Template prompt(int index) {
    return prompts[index];
  }

  /** @return the compiled system prompt, or null when the node has none */
  public Template system(int index) {
    return systems[index];
  }

  /** Number of nodes on the longest dependency path. */
  public int depth() {
    return depth;
  }
}
