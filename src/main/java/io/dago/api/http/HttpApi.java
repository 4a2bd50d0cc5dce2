package io.dago.api.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.dago.api.AccessGate;
import io.dago.api.ApiJson;
import io.dago.api.Transport;
import io.dago.engine.GraphFinishedException;
import io.dago.engine.GraphNotFoundException;
import io.dago.engine.IdempotencyConflictException;
import io.dago.engine.Orchestrator;
import io.dago.engine.OverloadedException;
import io.dago.graph.InvalidGraphException;
import io.dago.json.InvalidJsonException;
import io.dago.metrics.MetricRegistry;
import io.dago.store.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * dago's REST API on the JDK's HTTP server, one virtual thread per exchange. Every answer is JSON, errors included:
 * {@code {"error": {"code", "message", "details"?}}}.
 *
 * <p>The route table and the mapping of exceptions to statuses are the two tables below; a new endpoint or a new
 * domain error is one line in one of them.
 *
 * <p>{@code GET /api/v1/graphs/{id}?wait=SECONDS} (0 to 60) is a long poll: it answers as soon as the graph has
 * finished, or with the graph's current state once the wait runs out.
 *
 * <p>With metrics on, {@code GET /metrics} answers in the Prometheus text format instead of JSON.
 */
public final class HttpApi {
  private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());
  /** Connections waiting to be accepted; the JDK's default of 50 refuses connections under benchmark bursts. */
  private static final int BACKLOG = 1024;
  private static final String MAX_IDLE_CONNECTIONS = "sun.net.httpserver.maxIdleConnections";

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private HttpApi(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  static Router routes(Endpoints endpoints) {
    return new Router()
        .post("/api/v1/graphs", endpoints::submit)
        .get("/api/v1/graphs", endpoints::list)
        .post("/api/v1/graphs/validate", endpoints::validate)
        .get("/api/v1/graphs/{id}", endpoints::get)
        .post("/api/v1/graphs/{id}/cancel", endpoints::cancel)
        .get("/api/v1/graphs/{id}/events", endpoints::events)
        // For load balancers and probes, which carry no token: no token needed, no rate limit.
        .publicGet("/health", endpoints::health);
  }

  /** Every exception a handler may throw, and its answer. Unmapped exceptions are 500 {@code internal}. */
  static ExceptionMapping exceptionMapping() {
    return new ExceptionMapping()
        .map(HttpError.class,
            e -> new Response(e.status(), ApiJson.apiError(e.code(), e.getMessage()), e.headers()))
        .map(InvalidJsonException.class, 400, "invalid_json")
        .map(InvalidGraphException.class,
            e -> Response.of(400, ApiJson.apiError("invalid_graph", e.getMessage(), e.problems())))
        .map(GraphNotFoundException.class, 404, "not_found")
        .map(GraphFinishedException.class, e -> Response.of(409,
            ApiJson.apiError("conflict", e.getMessage(), Map.of("status", e.status().wireName()))))
        .map(IdempotencyConflictException.class, 409, "conflict")
        // Nothing was accepted: the client may try again once Redis is back.
        .map(StoreUnavailableException.class, e -> Response.error(503, "unavailable",
            "the state store is unreachable, nothing was changed; retry later").withHeader("Retry-After", "1"))
        // Backpressure: too many ready nodes wait, nothing was accepted; the same request may come again later.
        .map(OverloadedException.class, e -> Response.error(503, "overloaded", e.getMessage())
            .withHeader("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds()))))
        .map(InterruptedException.class,
            e -> Response.error(503, "unavailable", "the server is shutting down; retry the request"));
  }

  /**
   * Starts serving at once.
   *
   * @param port 0 picks a free port; see {@link #port()}
   * @param maxBodyBytes larger request bodies are answered 413 without being held in memory
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static HttpApi start(Orchestrator orchestrator, String bindAddress, int port, long maxBodyBytes) {
    return start(orchestrator, bindAddress, port, maxBodyBytes, HttpObserver.NONE, null);
  }

  /**
   * Starts serving at once, with metrics.
   *
   * @param observer told about every request
   * @param metrics served at {@code GET /metrics} in the Prometheus text format, the one answer that is not JSON;
   *     null for no such route, so that a scraper pointed at an instance without metrics gets a 404 and reports
   *     the target as failing, instead of an empty page that looks healthy
   */
  public static HttpApi start(Orchestrator orchestrator, String bindAddress, int port, long maxBodyBytes,
      HttpObserver observer, MetricRegistry metrics) {
    return start(orchestrator, bindAddress, port, maxBodyBytes, observer, metrics, Transport.plain());
  }

  /**
   * Starts serving at once, over HTTPS when the transport has TLS material.
   *
   * @param transport TLS, and the header size and timeouts every connection is held to; see {@link ConnectionLimits}
   *     for the hazard that the JDK applies the first server's limits to every server of the process
   */
  public static HttpApi start(Orchestrator orchestrator, String bindAddress, int port, long maxBodyBytes,
      HttpObserver observer, MetricRegistry metrics, Transport transport) {
    return start(orchestrator, bindAddress, port, maxBodyBytes, observer, metrics, transport, AccessGate.OPEN);
  }

  /**
   * Starts serving at once, behind the access gate.
   *
   * @param gate asked about every request but {@code GET /health} (and {@code GET /metrics} unless the gate
   *     {@linkplain AccessGate#guardsMetrics() guards metrics}), 404s and 405s included
   */
  public static HttpApi start(Orchestrator orchestrator, String bindAddress, int port, long maxBodyBytes,
      HttpObserver observer, MetricRegistry metrics, Transport transport, AccessGate gate) {
    return start(new Endpoints(Objects.requireNonNull(orchestrator, "orchestrator")), bindAddress, port,
        maxBodyBytes, observer, metrics, transport, gate);
  }

  /** Tests start the server with endpoints whose orchestrator is null, to prove a request never reached it. */
  static HttpApi start(Endpoints endpoints, String bindAddress, int port, long maxBodyBytes) {
    return start(endpoints, bindAddress, port, maxBodyBytes, HttpObserver.NONE, null, Transport.plain());
  }

  static HttpApi start(Endpoints endpoints, String bindAddress, int port, long maxBodyBytes, HttpObserver observer,
      MetricRegistry metrics, Transport transport) {
    return start(endpoints, bindAddress, port, maxBodyBytes, observer, metrics, transport, AccessGate.OPEN);
  }

  static HttpApi start(Endpoints endpoints, String bindAddress, int port, long maxBodyBytes, HttpObserver observer,
      MetricRegistry metrics, Transport transport, AccessGate gate) {
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
    }
    Router router = routes(endpoints);
    if (metrics != null) {
      Handler scrape = request -> Response.text(MetricRegistry.CONTENT_TYPE, metrics.scrape());
      if (gate.guardsMetrics()) {
        router.get("/metrics", scrape);
      } else {
        router.publicGet("/metrics", scrape);
      }
    }
    HttpServer server;
    try {
      keepIdleConnectionsOpen();
      ConnectionLimits.apply(transport);
      server = transport.secure() ? https(new InetSocketAddress(bindAddress, port), transport)
          : HttpServer.create(new InetSocketAddress(bindAddress, port), BACKLOG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for HTTP on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/",
        new Dispatcher(router, exceptionMapping(), maxBodyBytes, transport.maxHeaderBytes(), observer, gate));
    server.start();
    HttpApi api = new HttpApi(server, executor);
    LOG.info(() -> "HTTP API listening on " + bindAddress + ":" + api.port() + (transport.secure() ? " (https)" : ""));
    LOG.fine(() -> "HTTP routes: " + String.join(", ", router.describe()));
    return api;
  }

  private static HttpsServer https(InetSocketAddress address, Transport transport) throws IOException {
    HttpsServer server = HttpsServer.create(address, BACKLOG);
    server.setHttpsConfigurator(new HttpsConfigurator(transport.tls().sslContext()));
    return server;
  }

  /**
   * The JDK's server keeps at most 200 idle keep-alive connections and closes any connection beyond that as soon as
   * its exchange ends; clients that then reuse it fail with "header parser received no bytes". A burst of a few
   * hundred clients is normal here, so the cap goes up, unless the operator set it (it is read once, at first use).
   */
  private static void keepIdleConnectionsOpen() {
    if (System.getProperty(MAX_IDLE_CONNECTIONS) == null) {
      System.setProperty(MAX_IDLE_CONNECTIONS, "100000");
    }
  }

  /** The port actually listened on, also when 0 was asked for. */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Stops accepting connections, lets exchanges in progress finish within the grace period (rounded up to whole
   * seconds, the server's granularity), then closes the remaining connections and interrupts their handlers.
   * Only the first call does anything.
   */
  public void stop(Duration grace) {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    long seconds = Math.max(0, (grace.toMillis() + 999) / 1000);
    server.stop((int) Math.min(seconds, Integer.MAX_VALUE));
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
        LOG.warning("HTTP exchanges still running after stop; abandoning them");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
