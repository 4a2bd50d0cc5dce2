package io.dago.api.grpc;

import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.engine.Health;
import io.dago.engine.Orchestrator;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the standard {@code grpc.health.v1.Health} service in step with {@code /health}: the server as a whole
 * ({@code ""}) and {@code dago.v1.Orchestrator} serve exactly when {@code /health} answers 200, and each component
 * of {@code /health} ({@code workers}, {@code state_store}, {@code llm}) is a service name of its own.
 *
 * <p>The health service answers from what it was last told, so this re-reads the orchestrator's health every
 * {@link #PERIOD}; a check may lag a change by that much.
 */
final class HealthReporter implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HealthReporter.class.getName());
  static final Duration PERIOD = Duration.ofSeconds(1);

  private final Orchestrator orchestrator;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("dago-grpc-health").daemon().factory());

  HealthReporter(Orchestrator orchestrator) {
    this.orchestrator = orchestrator;
  }

  BindableService service() {
    return health.getHealthService();
  }

  /** Reports at once, so that the first check already sees the truth, then every {@link #PERIOD}. */
  void start() {
    report();
    timer.scheduleWithFixedDelay(this::report, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void report() {
    ServingStatus overall;
    try {
      Health current = orchestrator.health();
      overall = current.anyDown() ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
      for (Map.Entry<String, Map<String, Object>> component : current.components().entrySet()) {
        health.setStatus(component.getKey(),
            "down".equals(component.getValue().get("status")) ? ServingStatus.NOT_SERVING : ServingStatus.SERVING);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot read dago's health; reporting NOT_SERVING", e);
      overall = ServingStatus.NOT_SERVING;
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, overall);
    health.setStatus(OrchestratorGrpc.SERVICE_NAME, overall);
  }

  /** Every service turns NOT_SERVING for good, so that balancers stop sending calls to a server that is stopping. */
  @Override
  public void close() {
    timer.shutdownNow();
    health.enterTerminalState();
  }
}
