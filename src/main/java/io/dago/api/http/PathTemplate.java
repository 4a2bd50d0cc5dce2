package io.dago.api.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A route's path such as {@code /api/v1/graphs/{id}/events}: literal segments, and {@code {name}} segments that
 * match any one non-empty segment. Constraints on a parameter's value (such as the shape of a graph id) belong to
 * the handler, so that a bad value gets the same answer as an unknown one.
 */
record PathTemplate(String text, List<String> segments) {

  static PathTemplate parse(String text) {
    if (!text.startsWith("/")) {
      throw new IllegalArgumentException("a route template must start with '/': " + text);
    }
    return new PathTemplate(text, List.of(text.substring(1).split("/", -1)));
  }

  /** Splits a raw request path into decoded segments; null when the path is not valid percent-encoding. */
  static List<String> segmentsOf(String rawPath) {
    String[] raw = rawPath.substring(rawPath.startsWith("/") ? 1 : 0).split("/", -1);
    List<String> segments = new ArrayList<>(raw.length);
    for (String segment : raw) {
      try {
        // URLDecoder decodes forms, where '+' means a space; in a path it is a plain '+'.
        segments.add(segment.indexOf('%') < 0 ? segment
            : URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return segments;
  }

  /** @return the parameter values when the path matches, else null */
  Map<String, String> match(List<String> path) {
    if (path.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = null;
    for (int i = 0; i < segments.size(); i++) {
      String segment = segments.get(i);
      String value = path.get(i);
      if (isParameter(segment)) {
        if (value.isEmpty()) {
          return null;
        }
        if (params == null) {
          params = new HashMap<>(4);
        }
        params.put(segment.substring(1, segment.length() - 1), value);
      } else if (!segment.equals(value)) {
        return null;
      }
    }
    return params == null ? Map.of() : params;
  }

  /**
   * Orders templates that match the same path: at the first segment where they differ, a literal beats a
   * parameter, so {@code /graphs/validate} wins over {@code /graphs/{id}}.
   *
   * @return true when this template is more specific than the other
   */
  boolean moreSpecificThan(PathTemplate other) {
    for (int i = 0; i < Math.min(segments.size(), other.segments.size()); i++) {
      boolean mine = isParameter(segments.get(i));
      boolean theirs = isParameter(other.segments.get(i));
      if (mine != theirs) {
        return theirs;
      }
    }
    return false;
  }

  private static boolean isParameter(String segment) {
    return segment.length() > 2 && segment.charAt(0) == '{' && segment.charAt(segment.length() - 1) == '}';
  }
}
