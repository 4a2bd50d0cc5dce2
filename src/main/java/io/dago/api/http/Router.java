package io.dago.api.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the route for a request. A path that no template matches is 404; a path whose template exists for other
 * methods is 405 with those methods in {@code Allow}. Routes are few, so a linear scan is as fast as anything.
 *
 * <p>Every route goes through the access gate (a token, the rate limit) except those added as public, such as
 * {@code GET /health} for load balancers and probes.
 */
final class Router {
  /** Routes grouped by template, in the order they were added; within a template, keyed by method. */
  private final Map<PathTemplate, Map<String, Route>> routes = new LinkedHashMap<>();

  private record Route(Handler handler, boolean open) {}

  /** @param open whether the route is public: no token needed, no rate limit */
  record Match(PathTemplate template, Handler handler, Map<String, String> params, boolean open) {}

  Router get(String template, Handler handler) {
    return add("GET", template, new Route(handler, false));
  }

  Router post(String template, Handler handler) {
    return add("POST", template, new Route(handler, false));
  }

  /** A route anyone may call as often as they like: no token, no rate limit. */
  Router publicGet(String template, Handler handler) {
    return add("GET", template, new Route(handler, true));
  }

  private Router add(String method, String template, Route route) {
    PathTemplate parsed = PathTemplate.parse(template);
    Map<String, Route> byMethod = routes.computeIfAbsent(parsed, t -> new LinkedHashMap<>());
    if (byMethod.putIfAbsent(method, route) != null) {
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
    Map<String, Route> byMethod = routes.get(best);
    Route route = byMethod.get(method);
    if (route == null) {
      throw HttpError.methodNotAllowed(method, best.text(), String.join(", ", byMethod.keySet()));
    }
    return new Match(best, route.handler(), bestParams, route.open());
  }

  /** Every route as {@code METHOD template}, in table order; for start-up logging and tests. */
  List<String> describe() {
    List<String> lines = new ArrayList<>();
    routes.forEach((template, byMethod) -> byMethod.keySet().forEach(m -> lines.add(m + " " + template.text())));
    return lines;
  }
}
