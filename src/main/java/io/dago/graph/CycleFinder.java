package io.dago.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Names the cycles that kept {@link Topology} from sorting every node. An iterative depth-first search along
 * child edges, over the unsorted nodes only: each edge back to a node still on the search stack closes one
 * cycle (the stack from that node up), and no two back edges close the same cycle, so none is reported twice.
 * Cycles read in data-flow order: in {@code a -> b}, b depends on a.
 */
final class CycleFinder {
  /** Enough to show the shape of the problem without flooding the response. */
  static final int MAX_REPORTED = 10;
  /** A longer cycle is shown by its first and last nodes only. */
  private static final int MAX_SHOWN = 20;

  private final ParsedGraph parsed;
  private final int[][] children;
  private final Topology topology;
  private final List<Problem> problems;

  private CycleFinder(ParsedGraph parsed, int[][] children, Topology topology, List<Problem> problems) {
    this.parsed = parsed;
    this.children = children;
    this.topology = topology;
    this.problems = problems;
  }

  static void report(ParsedGraph parsed, int[][] children, Topology topology, List<Problem> problems) {
    new CycleFinder(parsed, children, topology, problems).search();
  }

  private void search() {
    int n = children.length;
    byte[] state = new byte[n]; // 0 unvisited, 1 on the stack, 2 done
    int[] stack = new int[n];
    int[] nextChild = new int[n];
    int[] stackPosition = new int[n];
    int found = 0;
    for (int start = 0; start < n; start++) {
      if (topology.sorted(start) || state[start] != 0) {
        continue;
      }
      int top = 0;
      stack[0] = start;
      nextChild[0] = 0;
      stackPosition[start] = 0;
      state[start] = 1;
      while (top >= 0) {
        int node = stack[top];
        if (nextChild[top] == children[node].length) {
          state[node] = 2;
          top--;
          continue;
        }
        int child = children[node][nextChild[top]++];
        if (topology.sorted(child)) {
          continue;
        }
        if (state[child] == 1) {
          if (found++ < MAX_REPORTED) {
            record(Arrays.copyOfRange(stack, stackPosition[child], top + 1));
          }
        } else if (state[child] == 0) {
          top++;
          stack[top] = child;
          nextChild[top] = 0;
          stackPosition[child] = top;
          state[child] = 1;
        }
      }
    }
    if (found > MAX_REPORTED) {
      problems.add(new Problem(JsonPath.NODES, (found - MAX_REPORTED) + " more cycles not listed"));
    }
  }

  /** Reports a cycle at the dependency that closes it, on its first node in document order. */
  private void record(int[] cycle) {
    int first = 0;
    for (int i = 1; i < cycle.length; i++) {
      if (cycle[i] < cycle[first]) {
        first = i;
      }
    }
    int[] rotated = new int[cycle.length];
    for (int i = 0; i < cycle.length; i++) {
      rotated[i] = cycle[(first + i) % cycle.length];
    }
    int node = rotated[0];
    String upstream = id(rotated[rotated.length - 1]);
    List<String> dependsOn = parsed.spec().nodes().get(node).dependsOn();
    int k = dependsOn.indexOf(upstream);
    String path = JsonPath.element(JsonPath.nodeField(node, "depends_on"),
        parsed.dependsOnPosition(node, k));
    problems.add(new Problem(path, "cycle: " + describe(rotated)));
  }

  private String describe(int[] cycle) {
    List<String> shown = new ArrayList<>();
    if (cycle.length <= MAX_SHOWN) {
      for (int node : cycle) {
        shown.add(id(node));
      }
    } else {
      for (int i = 0; i < 10; i++) {
        shown.add(id(cycle[i]));
      }
      shown.add("... (" + (cycle.length - 15) + " more)");
      for (int i = cycle.length - 5; i < cycle.length; i++) {
        shown.add(id(cycle[i]));
      }
    }
    shown.add(id(cycle[0]));
    return String.join(" -> ", shown);
  }

  private String id(int node) {
    return parsed.spec().nodes().get(node).id();
  }
}
