package io.dago.engine;

/** No graph has the requested id (or it has expired). */
public final class GraphNotFoundException extends RuntimeException {
  /**
   * The longest id quoted whole in the message, as long as any real graph id. A longer one is cut: the message goes
   * back to the client, and over gRPC it travels percent-encoded in the trailers, which clients refuse above 8 KiB.
   */
  static final int MAX_QUOTED_ID = 64;

  private final String graphId;

  public GraphNotFoundException(String graphId) {
    super("graph '" + quoted(graphId) + "' not found");
    this.graphId = graphId;
  }

  public String graphId() {
    return graphId;
  }

  private static String quoted(String graphId) {
    if (graphId.length() <= MAX_QUOTED_ID) {
      return graphId;
    }
    int end = Character.isHighSurrogate(graphId.charAt(MAX_QUOTED_ID - 1)) ? MAX_QUOTED_ID - 1 : MAX_QUOTED_ID;
    return graphId.substring(0, end) + "...";
  }
}
