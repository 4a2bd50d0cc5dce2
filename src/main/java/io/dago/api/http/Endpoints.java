package io.dago.api.http;

import io.dago.api.RequestLimits;
import io.dago.api.ApiJson;
import io.dago.engine.Health;
import io.dago.engine.Orchestrator;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What each route does: read the request, call the orchestrator, shape the answer. Rules live in the orchestrator;
 * this class only checks what is HTTP's own (query parameters, headers) and leaves every failure to the mapping
 * in {@link HttpApi}.
 */
final class Endpoints {
  private static final String ALLOWED_STATUSES =
      Arrays.stream(GraphStatus.values()).map(GraphStatus::wireName).collect(Collectors.joining(", "));

  private final Orchestrator orchestrator;

  Endpoints(Orchestrator orchestrator) {
    this.orchestrator = orchestrator;
  }

  /** 202 with the new graph's state and its {@code Location}; a repeated {@code Idempotency-Key} returns the first. */
  Response submit(Request request) throws IOException {
    String idempotencyKey = idempotencyKey(request);
    GraphView graph = orchestrator.submit(request.jsonObject(), idempotencyKey, request.header("traceparent"));
    return Response.of(202, ApiJson.graph(graph)).withHeader("Location", "/api/v1/graphs/" + graph.id());
  }

  Response validate(Request request) throws IOException {
    return Response.ok(ApiJson.validation(orchestrator.validate(request.jsonObject())));
  }

  /**
   * The graph's state. With {@code ?wait=SECONDS} (0 to 60) this is a long poll: the answer comes as soon as the
   * graph has finished, or with its state as it is when the wait runs out, whichever is first.
   */
  Response get(Request request) throws InterruptedException {
    String id = request.graphId();
    int wait = request.query().intValue("wait", 0, RequestLimits.MAX_WAIT_SECONDS, 0);
    GraphView graph = wait == 0 ? orchestrator.get(id) : orchestrator.await(id, Duration.ofSeconds(wait));
    return Response.ok(ApiJson.graph(graph));
  }

  /** Newest first; {@code ?status=} filters, {@code ?limit=} sizes the page, {@code ?cursor=} continues a listing. */
  Response list(Request request) {
    Query query = request.query();
    GraphStatus status = status(query);
    int limit = query.intValue("limit", 1, RequestLimits.MAX_LIMIT, RequestLimits.DEFAULT_LIMIT);
    return Response.ok(ApiJson.page(orchestrator.list(status, limit, query.string("cursor"))));
  }

  Response cancel(Request request) {
    return Response.ok(ApiJson.graph(orchestrator.cancel(request.graphId())));
  }

  /** The graph's events with {@code seq} above {@code ?after=} (default 0: all of them). */
  Response events(Request request) {
    String id = request.graphId();
    long after = request.query().longValue("after", 0, Long.MAX_VALUE, 0);
    return Response.ok(Map.of("events", ApiJson.events(orchestrator.events(id, after))));
  }

  /** 503 when a component is down, so that load balancers take the instance out of rotation. */
  Response health(Request request) {
    Health health = orchestrator.health();
    return Response.of(health.anyDown() ? 503 : 200, ApiJson.health(health));
  }

  private static String idempotencyKey(Request request) {
    String key = request.header("Idempotency-Key");
    if (key != null && (key.isEmpty() || key.length() > RequestLimits.MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw HttpError.badRequest("the Idempotency-Key header must be 1 to " + RequestLimits.MAX_IDEMPOTENCY_KEY_LENGTH
          + " characters long, not " + key.length());
    }
    return key;
  }

  private static GraphStatus status(Query query) {
    String name = query.string("status");
    if (name == null) {
      return null;
    }
    GraphStatus status = GraphStatus.fromWire(name);
    if (status == null) {
      throw HttpError.badRequest("query parameter 'status' must be one of " + ALLOWED_STATUSES + ", not '" + name + "'");
    }
    return status;
  }
}
