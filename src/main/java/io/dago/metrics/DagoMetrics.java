package io.dago.metrics;

import io.dago.api.AccessObserver;
import io.dago.api.grpc.GrpcObserver;
import io.dago.api.http.HttpObserver;
import io.dago.api.ws.WebSocketCounters;
import io.dago.engine.EngineObserver;
import io.dago.engine.Orchestrator;
import io.dago.store.ConnectionPoolStats;

/**
 * Every metric dago exports, in one place: the engine's, the HTTP, gRPC and WebSocket APIs', the process's and the
 * JVM's.
 * Whoever wires dago hands {@link #engine()}, {@link #http()} and {@link #grpc()} to the components and serves
 * {@link #registry()} at {@code GET /metrics}.
 *
 * <p>{@link #disabled()} hands out the no-op observers and no registry, so a dago started without metrics records
 * nothing and has no {@code /metrics}, without any component knowing the difference.
 *
 * <p>A new family is one line in the class of the part it measures (see {@link #watch(ConnectionPoolStats)}), plus
 * the observer method that feeds it.
 */
public final class DagoMetrics {
  private final MetricRegistry registry;
  private final EngineMetrics engine;
  private final HttpMetrics http;
  private final GrpcMetrics grpc;
  private final AccessMetrics access;

  private DagoMetrics(MetricRegistry registry) {
    this.registry = registry;
    if (registry == null) {
      engine = null;
      http = null;
      grpc = null;
      access = null;
      return;
    }
    ProcessMetrics.register(registry);
    JvmMetrics.register(registry);
    engine = new EngineMetrics(registry);
    http = new HttpMetrics(registry);
    grpc = new GrpcMetrics(registry);
    access = new AccessMetrics(registry);
  }

  public static DagoMetrics enabled() {
    return new DagoMetrics(new MetricRegistry());
  }

  public static DagoMetrics disabled() {
    return new DagoMetrics(null);
  }

  public EngineObserver engine() {
    return engine == null ? EngineObserver.NONE : engine;
  }

  public HttpObserver http() {
    return http == null ? HttpObserver.NONE : http;
  }

  public GrpcObserver grpc() {
    return grpc == null ? GrpcObserver.NONE : grpc;
  }

  /** Counts the requests the APIs' access gate refuses. */
  public AccessObserver access() {
    return access == null ? AccessObserver.NONE : access;
  }

  /**
   * Adds the gauges read from the running engine: worker pool, ready queue, and the provider's circuit breaker and
   * concurrency limit. Call once.
   */
  public void watch(Orchestrator orchestrator) {
    if (engine != null) {
      engine.watch(orchestrator::workerLoad);
      engine.watchLlm(orchestrator::llmGuard);
    }
  }

  /** Adds the WebSocket API's connection and frame counts, read when scraped. Call once. */
  public void watch(WebSocketCounters counters) {
    if (registry == null) {
      return;
    }
    registry.gauge("dago_websocket_connections", "WebSocket connections open now.", counters::current);
    registry.counter("dago_websocket_connections_opened_total", "WebSocket connections accepted.", counters::opened);
    registry.counter("dago_websocket_messages_sent_total", "Event frames sent to WebSocket clients.",
        counters::framesSent);
    registry.counter("dago_websocket_sent_bytes_total", "Payload bytes of the event frames sent.",
        counters::bytesSent);
    registry.counter("dago_websocket_slow_client_closes_total",
        "WebSocket clients closed with 1013 because they fell too far behind.", counters::slowClientCloses);
  }

  /** Adds the gauges of the Redis connection pool and the count of failed Redis commands. Call once. */
  public void watch(ConnectionPoolStats redis) {
    if (registry == null) {
      return;
    }
    registry.gauge("dago_redis_pool_active_connections", "Redis connections lent out now.", redis::active);
    registry.gauge("dago_redis_pool_idle_connections", "Redis connections open and idle in the pool.", redis::idle);
    registry.gauge("dago_redis_pool_waiting_threads", "Threads waiting for a Redis connection now.", redis::waiting);
    registry.counter("dago_redis_errors_total",
        "Redis commands that failed: Redis unreachable, not ready, or answering an error.", redis::errors);
  }

  /** What {@code GET /metrics} serves, or null when metrics are off (and the route should not exist). */
  public MetricRegistry registry() {
    return registry;
  }
}
