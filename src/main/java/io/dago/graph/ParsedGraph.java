package io.dago.graph;

import java.util.List;

/**
 * What the parser made of a document, for the validator: the spec, filled in as far as the document allowed,
 * and the problems found on the way. Keeping the spec even when there are problems lets the structural checks
 * run too, so a user sees everything at once.
 *
 * <p>While there are problems the spec may hold stand-ins: a node that was not an object is kept as a node with
 * a null id and no prompt, so that node indexes still match document positions, and a node without a usable id
 * has a null one. The validator skips what is null; such a spec never reaches a {@link GraphPlan}.
 *
 * @param nodesReadable false when {@code nodes} was missing or not an array (already reported)
 * @param inputReadable false when {@code input} was not an object (already reported)
 * @param dependsOnPositions per node, the document position of each kept {@code depends_on} entry, or null for a
 *     node whose entries were all kept (position = index); entries that were not strings are dropped
 */
record ParsedGraph(GraphSpec spec, List<Problem> problems, boolean nodesReadable, boolean inputReadable,
    int[][] dependsOnPositions) {

  /** A spec built in code rather than parsed, so nothing is known to be wrong with it yet. */
  static ParsedGraph of(GraphSpec spec) {
    return new ParsedGraph(spec, List.of(), true, true, new int[spec.nodes().size()][]);
  }

  /** Where the k-th kept {@code depends_on} entry of a node was in the document. */
  int dependsOnPosition(int node, int k) {
    int[] positions = dependsOnPositions[node];
    return positions == null ? k : positions[k];
  }
}
