package io.dago.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Sorts problems the way a user reads the document: by node, then by field in the order the format lists them
 * (unknown fields last), then by array position. Problems at the same path keep the order they were found in.
 */
final class ProblemOrder {

  private ProblemOrder() {}

  /** One step of a path: a field name, or an array index (then {@code name} is null). */
  private record Step(String name, int index) {}

  private record Keyed(List<Step> steps, Problem problem) {}

  static List<Problem> sort(List<Problem> problems) {
    List<Keyed> keyed = new ArrayList<>(problems.size());
    for (Problem problem : problems) {
      keyed.add(new Keyed(steps(problem.path()), problem));
    }
    keyed.sort(Comparator.comparing(Keyed::steps, ProblemOrder::compare));
    return keyed.stream().map(Keyed::problem).toList();
  }

  private static int compare(List<Step> a, List<Step> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      Step x = a.get(i);
      Step y = b.get(i);
      int order;
      if (x.name == null && y.name == null) {
        order = Integer.compare(x.index, y.index);
      } else if (x.name == null || y.name == null) {
        order = x.name == null ? 1 : -1;
      } else {
        List<String> fields = fieldsAt(i);
        order = Integer.compare(rank(fields, x.name), rank(fields, y.name));
        if (order == 0) {
          order = x.name.compareTo(y.name);
        }
      }
      if (order != 0) {
        return order;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** The fields that may appear at this step: the graph's at the top, a node's under nodes[i], a retry's below. */
  private static List<String> fieldsAt(int depth) {
    return switch (depth) {
      case 0 -> GraphParser.GRAPH_FIELDS;
      case 2 -> GraphParser.NODE_FIELDS;
      case 3 -> GraphParser.RETRY_FIELDS;
      default -> List.of();
    };
  }

  private static int rank(List<String> fields, String name) {
    int rank = fields.indexOf(name);
    return rank < 0 ? fields.size() : rank;
  }

  /** Splits a path built by {@link JsonPath} back into steps. */
  private static List<Step> steps(String path) {
    List<Step> steps = new ArrayList<>();
    int i = JsonPath.ROOT.length();
    while (i < path.length()) {
      if (path.charAt(i) == '.') {
        int end = i + 1;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
          end++;
        }
        steps.add(new Step(path.substring(i + 1, end), 0));
        i = end;
      } else if (path.startsWith("['", i)) {
        StringBuilder name = new StringBuilder();
        int end = i + 2;
        while (end < path.length() && path.charAt(end) != '\'') {
          if (path.charAt(end) == '\\' && end + 1 < path.length()) {
            end++;
          }
          name.append(path.charAt(end++));
        }
        steps.add(new Step(name.toString(), 0));
        i = end + 2;
      } else if (path.charAt(i) == '[') {
        int end = path.indexOf(']', i);
        if (end < 0) {
          break;
        }
        try {
          steps.add(new Step(null, Integer.parseInt(path, i + 1, end, 10)));
        } catch (NumberFormatException e) {
          break;
        }
        i = end + 1;
      } else {
        break;
      }
    }
    return steps;
  }
}
