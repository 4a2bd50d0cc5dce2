package io.dago.bench;

import java.nio.charset.StandardCharsets;

/** The request bodies of the workloads' graphs, written once so that building them never counts in a figure. */
final class GraphBodies {
  static final int W1_WIDTH = 1000;
  static final int W1_NODES = W1_WIDTH + 2;
  static final int W2_LENGTH = 100;
  static final int W3_GRAPHS = 500;
  static final int DIAMOND_NODES = 4;
  static final int W4_WIDTH = 2000;

  /** W1: a root, {@link #W1_WIDTH} nodes that depend on it, and a join that depends on all of them. */
  static final byte[] FAN_OUT_FAN_IN = fanOutFanIn(W1_WIDTH);
  /** W2: {@link #W2_LENGTH} nodes, each depending on the one before. */
  static final byte[] CHAIN = chain(W2_LENGTH);
  /** W3: a; b and c depend on a; d depends on b and c. */
  static final byte[] DIAMOND = utf8("{\"nodes\":["
      + node("a") + "," + node("b", "a") + "," + node("c", "a") + "," + node("d", "b", "c") + "]}");
  /** One node alone, for warming up a server whose nodes each take a while. */
  static final byte[] SINGLE = utf8("{\"nodes\":[" + node("a") + "]}");
  /** W4: {@link #W4_WIDTH} nodes with no dependencies. */
  static final byte[] PARALLEL = parallel(W4_WIDTH);

  private GraphBodies() {}

  private static byte[] fanOutFanIn(int width) {
    StringBuilder json = new StringBuilder("{\"nodes\":[").append(node("root"));
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < width; i++) {
      json.append(',').append(node("n" + i, "root"));
      all.append(i == 0 ? "" : ",").append('"').append("n").append(i).append('"');
    }
    json.append(",{\"id\":\"join\",\"prompt\":\"join\",\"depends_on\":[").append(all).append("]}]}");
    return utf8(json.toString());
  }

  private static byte[] chain(int length) {
    StringBuilder json = new StringBuilder("{\"nodes\":[").append(node("s0"));
    for (int i = 1; i < length; i++) {
      json.append(',').append(node("s" + i, "s" + (i - 1)));
    }
    return utf8(json.append("]}").toString());
  }

  private static byte[] parallel(int width) {
    StringBuilder json = new StringBuilder("{\"nodes\":[");
    for (int i = 0; i < width; i++) {
      json.append(i == 0 ? "" : ",").append(node("p" + i));
    }
    return utf8(json.append("]}").toString());
  }

  private static String node(String id, String... dependsOn) {
    StringBuilder json = new StringBuilder("{\"id\":\"").append(id).append("\",\"prompt\":\"hi\"");
    if (dependsOn.length > 0) {
      json.append(",\"depends_on\":[");
      for (int i = 0; i < dependsOn.length; i++) {
        json.append(i == 0 ? "\"" : ",\"").append(dependsOn[i]).append('"');
      }
      json.append(']');
    }
    return json.append('}').toString();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
