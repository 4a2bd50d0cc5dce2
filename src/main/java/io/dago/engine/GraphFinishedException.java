package io.dago.engine;

import io.dago.state.GraphStatus;

/** The operation needs a graph that is still going, and this one has already finished. */
public final class GraphFinishedException extends RuntimeException {
  private final GraphStatus status;

  public GraphFinishedException(String graphId, GraphStatus status) {
    super("graph '" + graphId + "' has already finished with status " + status.wireName());
    this.status = status;
  }

  public GraphStatus status() {
    return status;
  }
}
