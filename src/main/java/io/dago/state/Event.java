package io.dago.state;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of a graph's event log.
 *
 * @param seq position in the graph's log, from 1 without gaps; {@value #LIVE} for an event that is not stored (see
 *     {@link EventType#isStored()})
 * @param nodeId the node concerned, or null for graph events
 * @param traceId the trace of the graph (W3C trace id), so events can be joined with logs and provider calls
 * @param data type-specific fields (see the README's event table); iteration order is the wire order
 */
public record Event(long seq, EventType type, String graphId, String nodeId, String traceId, Instant time,
    Map<String, Object> data) {
  /** The {@code seq} of live-only events, which have no place in the log. */
  public static final long LIVE = 0;

  /** A live-only event, such as a {@link EventType#NodeDelta}: delivered, never stored. */
  public static Event live(EventType type, String graphId, String nodeId, String traceId, Instant time,
      Map<String, Object> data) {
    if (type.isStored()) {
      throw new IllegalArgumentException(type + " events are stored, so they get their seq from the log");
    }
    return new Event(LIVE, type, graphId, nodeId, traceId, time, data);
  }

  /** An event not yet given its place in the log. */
  public record Draft(EventType type, String nodeId, String traceId, Instant time, Map<String, Object> data) {
    public Event at(long seq, String graphId) {
      return new Event(seq, type, graphId, nodeId, traceId, time, data);
    }
  }
}
