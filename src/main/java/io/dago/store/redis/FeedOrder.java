package io.dago.store.redis;

import io.dago.state.Event;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Puts each graph's events back in {@code seq} order for subscribers of all graphs. Instances append to the feed in
 * batches of their own, so when two of them work on one graph its events can reach the feed out of order; an event
 * that comes early waits here until the ones before it arrive, or, after {@code patienceNanos}, are read from the
 * graph's log. Used by the feed reader's thread alone.
 */
final class FeedOrder {
  /** Reads a graph's stored events with {@code seq > afterSeq}. */
  interface Log {
    List<Event> after(String graphId, long afterSeq);
  }

  /** Graphs followed at once; the least recently heard is forgotten first. */
  private static final int MAX_GRAPHS = 100_000;

  private final long patienceNanos;
  private final Map<String, Graph> graphs = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Graph> eldest) {
      return size() > MAX_GRAPHS;
    }
  };

  /** Graphs with events waiting for earlier ones. */
  private final Map<String, Graph> waiting = new LinkedHashMap<>();

  /** Where one graph is: the last seq delivered (0 before its first), and the events that came early. */
  private static final class Graph {
    final String id;
    long last;
    boolean ended;
    final TreeMap<Long, Event> early = new TreeMap<>();
    long waitingSinceNanos;

    Graph(String id) {
      this.id = id;
    }
  }

  FeedOrder(long patienceNanos) {
    this.patienceNanos = patienceNanos;
  }

  /** Takes an event from the feed and hands on whatever is now in order. */
  void accept(Event event, long nowNanos, Consumer<Event> deliver) {
    if (!event.type().isStored()) {
      deliver.accept(event);
      return;
    }
    Graph graph = graphs.get(event.graphId());
    if (graph == null) {
      graph = new Graph(event.graphId());
      // A graph heard of for the first time mid-way (submitted before this instance listened) starts where it is
      // heard, unless an earlier event turns up within the patience.
      graph.last = event.seq() == 1 ? 0 : -1;
      graphs.put(event.graphId(), graph);
    }
    if (graph.ended || (graph.last >= 0 && event.seq() <= graph.last)) {
      return;
    }
    if (graph.last >= 0 && event.seq() == graph.last + 1) {
      deliverInOrder(graph, event, deliver);
      return;
    }
    if (graph.early.isEmpty()) {
      graph.waitingSinceNanos = nowNanos;
      waiting.put(graph.id, graph);
    }
    graph.early.put(event.seq(), event);
  }

  /** Whether some event waits for earlier ones (the feed reader then looks again soon). */
  boolean waiting() {
    return !waiting.isEmpty();
  }

  /**
   * Gives up waiting where the patience has run out: a graph first heard mid-way starts at its earliest event, and a
   * gap is filled from the graph's log.
   */
  void expire(long nowNanos, Log log, Consumer<Event> deliver) {
    List<Graph> due = new ArrayList<>();
    for (Graph graph : waiting.values()) {
      if (nowNanos - graph.waitingSinceNanos >= patienceNanos) {
        due.add(graph);
      }
    }
    for (Graph graph : due) {
      if (graph.last < 0) {
        graph.last = graph.early.firstKey() - 1;
      } else {
        long upTo = graph.early.firstKey();
        for (Event missing : log.after(graph.id, graph.last)) {
          if (missing.seq() >= upTo) {
            break;
          }
          graph.early.putIfAbsent(missing.seq(), missing);
        }
      }
      drain(graph, deliver);
      graph.waitingSinceNanos = nowNanos;
    }
  }

  private void deliverInOrder(Graph graph, Event event, Consumer<Event> deliver) {
    graph.early.put(event.seq(), event);
    drain(graph, deliver);
  }

  private void drain(Graph graph, Consumer<Event> deliver) {
    drainEarly(graph, deliver);
    if (graph.early.isEmpty()) {
      waiting.remove(graph.id);
    }
  }

  private static void drainEarly(Graph graph, Consumer<Event> deliver) {
    Iterator<Map.Entry<Long, Event>> next = graph.early.entrySet().iterator();
    while (next.hasNext()) {
      Map.Entry<Long, Event> entry = next.next();
      if (entry.getKey() <= graph.last) {
        next.remove();
      } else if (entry.getKey() == graph.last + 1) {
        next.remove();
        graph.last = entry.getKey();
        deliver.accept(entry.getValue());
        if (entry.getValue().type().isTerminal()) {
          // Kept, marked, so that a late copy of one of its events is not taken for a new graph.
          graph.ended = true;
          graph.early.clear();
          return;
        }
      } else {
        return;
      }
    }
  }
}
