package io.dago.api.http;

import com.sun.net.httpserver.HttpExchange;
import io.dago.engine.GraphNotFoundException;
import java.io.IOException;
import java.util.Map;
import java.util.regex.Pattern;

/** One request as a handler sees it: path parameters, query, headers and a size-limited JSON body. */
final class Request {
  /** Every id dago hands out has this shape; anything else cannot name a graph, so it is not looked up. */
  private static final Pattern GRAPH_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final HttpExchange exchange;
  private final Map<String, String> pathParams;
  private final long maxBodyBytes;
  private Query query;

  Request(HttpExchange exchange, Map<String, String> pathParams, long maxBodyBytes) {
    this.exchange = exchange;
    this.pathParams = pathParams;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The {@code {id}} path parameter. @throws GraphNotFoundException when it cannot be a graph id */
  String graphId() {
    String id = pathParams.get("id");
    if (id == null) {
      throw new IllegalStateException("the route has no {id} parameter");
    }
    if (!GRAPH_ID.matcher(id).matches()) {
      throw new GraphNotFoundException(id);
    }
    return id;
  }

  Query query() {
    if (query == null) {
      query = Query.parse(exchange.getRequestURI().getRawQuery());
    }
    return query;
  }

  /** @return the first value of the header, or null */
  String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  /** See {@link RequestBody#readJsonObject} for the errors. */
  Map<String, Object> jsonObject() throws IOException {
    return RequestBody.readJsonObject(exchange, maxBodyBytes);
  }
}
