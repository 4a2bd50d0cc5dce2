package io.dago.engine;

/** No graph has the requested id (or it has expired). */
public final class GraphNotFoundException extends RuntimeException {
  private final String graphId;

  public GraphNotFoundException(String graphId) {
    super("graph '" + graphId + "' not found");
    this.graphId = graphId;
  }

  public String graphId() {
    return graphId;
  }
}
