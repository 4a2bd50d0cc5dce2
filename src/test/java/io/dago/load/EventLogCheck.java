package io.dago.load;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a graph's event log is complete, as the README's Events section defines it: it starts with
 * {@code GraphSubmitted} at seq 1, seqs follow each other without a gap, it ends with the graph's terminal event,
 * and every node of the graph has a terminal node event.
 */
final class EventLogCheck {
  private static final Set<String> GRAPH_ENDS = Set.of("GraphCompleted", "GraphFailed", "GraphCancelled");
  private static final Set<String> NODE_ENDS = Set.of("NodeCompleted", "NodeFailed", "NodeSkipped", "NodeCancelled");

  private EventLogCheck() {}

  /**
   * @param events the log, as the HTTP events endpoint or a WebSocket delivers it ({@code NodeDelta} events, which
   *     have no seq, are skipped)
   * @param nodes the graph's node ids
   * @return null when complete, else what is wrong
   */
  static String problem(List<Map<String, Object>> events, Set<String> nodes) {
    long expected = 1;
    Set<String> ended = new HashSet<>();
    String last = null;
    for (Map<String, Object> event : events) {
      String type = String.valueOf(event.get("type"));
      if (type.equals("NodeDelta")) {
        continue;
      }
      if (!(event.get("seq") instanceof Number seq) || seq.longValue() != expected) {
        return "event " + expected + " has seq " + event.get("seq") + " (" + type + ")";
      }
      if (expected == 1 && !type.equals("GraphSubmitted")) {
        return "the log starts with " + type + ", not GraphSubmitted";
      }
      if (NODE_ENDS.contains(type)) {
        ended.add(String.valueOf(event.get("node_id")));
      }
      if (last != null && GRAPH_ENDS.contains(last)) {
        return "an event after the terminal " + last + ": " + type;
      }
      last = type;
      expected++;
    }
    if (last == null) {
      return "an empty log";
    }
    if (!GRAPH_ENDS.contains(last)) {
      return "the log ends with " + last + " at seq " + (expected - 1) + ", not a terminal event";
    }
    if (!ended.containsAll(nodes)) {
      Set<String> missing = new HashSet<>(nodes);
      missing.removeAll(ended);
      return "nodes without a terminal event: " + missing;
    }
    return null;
  }
}
