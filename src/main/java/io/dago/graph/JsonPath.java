package io.dago.graph;

/**
 * Builds the JSON paths that problems point at ({@code $.nodes[2].depends_on[0]}). A key that is not a plain
 * identifier is bracketed and quoted ({@code $['my key']}) so that the path stays unambiguous.
 */
final class JsonPath {
  static final String ROOT = "$";
  static final String NODES = "$.nodes";

  private JsonPath() {}

  static String field(String parent, String key) {
    if (isIdentifier(key)) {
      return parent + "." + key;
    }
    return parent + "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']";
  }

  /** The path of the node at this index of {@code nodes}. */
  static String node(int index) {
    return element(NODES, index);
  }

  /** The path of a field of the node at this index of {@code nodes}. */
  static String nodeField(int index, String field) {
    return field(node(index), field);
  }

  static String element(String parent, int index) {
    return parent + "[" + index + "]";
  }

  private static boolean isIdentifier(String key) {
    if (key.isEmpty()) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      if (!letter && !(i > 0 && c >= '0' && c <= '9')) {
        return false;
      }
    }
    return true;
  }
}
