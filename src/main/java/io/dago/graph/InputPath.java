package io.dago.graph;

import java.util.List;
import java.util.Map;

/**
 * A path into the graph input, compiled for repeated lookups: each step is a key into an object, or,
 * when it is all digits and the value there is a list, an index into that list.
 */
final class InputPath {
  /** What {@link #lookup} returns when the input has no value at the path; distinct from a JSON null. */
  static final Object MISSING = new Object();

  private final String[] keys;
  /** The step as a list index, or -1 when it is not all digits (or too large to be one). */
  private final int[] indexes;

  InputPath(List<String> path) {
    keys = path.toArray(String[]::new);
    indexes = new int[keys.length];
    for (int i = 0; i < keys.length; i++) {
      indexes[i] = asIndex(keys[i]);
    }
  }

  Object lookup(Map<String, Object> input) {
    Object value = input;
    for (int i = 0; i < keys.length; i++) {
      if (value instanceof Map<?, ?> object) {
        value = object.get(keys[i]);
        if (value == null && !object.containsKey(keys[i])) {
          return MISSING;
        }
      } else if (value instanceof List<?> list && indexes[i] >= 0 && indexes[i] < list.size()) {
        value = list.get(indexes[i]);
      } else {
        return MISSING;
      }
    }
    return value;
  }

  @Override
  public String toString() {
    return String.join(".", keys);
  }

  private static int asIndex(String key) {
    if (key.isEmpty() || key.length() > 9) {
      return -1;
    }
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) < '0' || key.charAt(i) > '9') {
        return -1;
      }
    }
    return Integer.parseInt(key);
  }
}
