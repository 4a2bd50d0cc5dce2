package io.dago.api.http;

import io.dago.api.ApiJson;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer before it is written: a status, a JSON tree and any headers beyond {@code Content-Type}.
 *
 * @param headers in the order they are sent; never null
 */
record Response(int status, Object body, Map<String, String> headers) {

  static Response of(int status, Object body) {
    return new Response(status, body, Map.of());
  }

  static Response ok(Object body) {
    return of(200, body);
  }

  /** A body sent as it is rather than as JSON, for the one route that does not speak JSON: {@code GET /metrics}. */
  record Text(String content) {}

  /** 200 with a body that is not JSON, in the given media type. */
  static Response text(String contentType, String content) {
    return new Response(200, new Text(content), Map.of("Content-Type", contentType));
  }

  /** An error in the one shape every API error has: {@code {"error": {"code", "message"}}}. */
  static Response error(int status, String code, String message) {
    return of(status, ApiJson.apiError(code, message));
  }

  Response withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Response(status, body, more);
  }
}
