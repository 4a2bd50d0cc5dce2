package io.dago.graph;

import java.util.Locale;

/** What a node's final failure does to the rest of its graph. */
public enum OnFailure {
  /** The graph fails: running nodes are cancelled, pending ones skipped. */
  FAIL_GRAPH,
  /** Only the node's descendants are skipped; other branches run on and the graph ends failed. */
  CONTINUE;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
