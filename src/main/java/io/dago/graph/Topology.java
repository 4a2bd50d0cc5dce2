package io.dago.graph;

/**
 * Kahn's topological sort over parent and child index arrays, iterative so that depth costs no stack. Besides
 * telling whether the graph is acyclic, it gives each node its level: the number of nodes on the longest path that
 * ends at it, roots being level 1.
 */
final class Topology {
  /** Per node its level, or 0 when the node lies on a cycle or downstream of one. */
  private final int[] levels;
  private final int sortedCount;
  private final int depth;

  private Topology(int[] levels, int sortedCount, int depth) {
    this.levels = levels;
    this.sortedCount = sortedCount;
    this.depth = depth;
  }

  static Topology of(int[][] parents, int[][] children) {
    int n = parents.length;
    int[] waiting = new int[n];
    int[] levels = new int[n];
    int[] queue = new int[n];
    int tail = 0;
    for (int i = 0; i < n; i++) {
      waiting[i] = parents[i].length;
      if (waiting[i] == 0) {
        levels[i] = 1;
        queue[tail++] = i;
      }
    }
    int depth = 0;
    for (int head = 0; head < tail; head++) {
      int node = queue[head];
      depth = Math.max(depth, levels[node]);
      for (int child : children[node]) {
        levels[child] = Math.max(levels[child], levels[node] + 1);
        if (--waiting[child] == 0) {
          queue[tail++] = child;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      if (waiting[i] > 0) {
        levels[i] = 0;
      }
    }
    return new Topology(levels, tail, depth);
  }

  boolean acyclic() {
    return sortedCount == levels.length;
  }

  /** False for a node on a cycle or downstream of one. */
  boolean sorted(int node) {
    return levels[node] > 0;
  }

  /** Only meaningful for a {@linkplain #sorted sorted} node. */
  int level(int node) {
    return levels[node];
  }

  /** The number of nodes on the longest path; meaningful only when the graph is acyclic. */
  int depth() {
    return depth;
  }
}
