package io.dago.state;

/** The kinds of event in a graph's log. Names are the wire names. */
public enum EventType {
  GraphSubmitted, GraphStarted, NodeStarted, NodeDelta, NodeRetrying, NodeCompleted, NodeFailed, NodeSkipped,
  NodeCancelled, GraphCompleted, GraphFailed, GraphCancelled;

  /** The last event a graph's log will ever hold. */
  public boolean isTerminal() {
    return this == GraphCompleted || this == GraphFailed || this == GraphCancelled;
  }

  /**
   * Whether events of this type go into the graph's log. {@link #NodeDelta} (a piece of a streaming node's text) is
   * live only: delivered to whoever listens at the time, never stored, without a {@code seq}, so that the log stays
   * small and a reconnecting client misses nothing that is stored. {@code NodeCompleted} carries the whole text.
   */
  public boolean isStored() {
    return this != NodeDelta;
  }
}
