package io.dago.state;

/** The kinds of event in a graph's log. Names are the wire names. */
public enum EventType {
  GraphSubmitted, GraphStarted, NodeStarted, NodeRetrying, NodeCompleted, NodeFailed, NodeSkipped,
  NodeCancelled, GraphCompleted, GraphFailed, GraphCancelled;

  /** The last event a graph's log will ever hold. */
  public boolean isTerminal() {
    return this == GraphCompleted || this == GraphFailed || this == GraphCancelled;
  }
}
