package io.dago.api.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the route for a request. A path that no template matches is 404; a path whose template exists for other
 * methods is 405 with those methods in {@code Allow}. Routes are few, so a linear scan is as fast as anything.
 */
final class Router {
  /** Routes grouped by template, in the order they were added; within a template, keyed by method. */
  private final Map<PathTemplate, Map<String, Handler>> routes = new LinkedHashMap<>();

  record Match(PathTemplate template, Handler handler, Map<String, String> params) {}

  Router get(String template, Handler handler) {
    return add("GET", template, handler);
  }

  Router post(String template, Handler handler) {
    return add("POST", template, handler);
  }

  private Router add(String method, String template, Handler handler) {
    PathTemplate parsed = PathTemplate.parse(template);
    Map<String, Handler> byMethod = routes.computeIfAbsent(parsed, t -> new LinkedHashMap<>());
    if (byMethod.putIfAbsent(method, handler) != null) {
      throw new IllegalArgumentException("two routes for " + method + " " + template);
    }
    return this;
  }

  /** @throws HttpError 404 when no route has this path, 405 when none has it for this method */
  Match match(String method, String rawPath) {
    List<String> path = PathTemplate.segmentsOf(rawPath);
    PathTemplate best = null;
    Map<String, String> bestParams = null;
    if (path != null) {
      for (PathTemplate template : routes.keySet()) {
        Map<String, String> params = template.match(path);
        if (params != null && (best == null || template.moreSpecificThan(best))) {
          best = template;
          bestParams = params;
        }
      }
    }
    if (best == null) {
      throw HttpError.notFound("no route for " + method + " " + rawPath);
    }
    Map<String, Handler> byMethod = routes.get(best);
    Handler handler = byMethod.get(method);
    if (handler == null) {
      throw HttpError.methodNotAllowed(method, best.text(), String.join(", ", byMethod.keySet()));
    }
    return new Match(best, handler, bestParams);
  }

  /** Every route as {@code METHOD template}, in table order; for start-up logging and tests. */
  List<String> describe() {
    List<String> lines = new ArrayList<>();
    routes.forEach((template, byMethod) -> byMethod.keySet().forEach(m -> lines.add(m + " " + template.text())));
    return lines;
  }
}
