package io.dago.metrics;

import io.dago.engine.EngineObserver;
import io.dago.engine.WorkerLoad;
import io.dago.llm.CircuitBreaker;
import io.dago.llm.LlmException;
import io.dago.llm.ProviderGuard;
import io.dago.llm.Usage;
import io.dago.state.Event;
import io.dago.state.EventType;
import io.dago.state.GraphStatus;
import io.dago.state.NodeStatus;
import java.util.List;
import java.util.function.Supplier;

/**
 * The engine's families, recorded from what the engine reports. Series whose labels are known up front
 * (statuses, event types) are looked up once, here, and every known label value starts at zero, so a rate over
 * a status that has not happened yet is 0 rather than missing.
 */
final class EngineMetrics implements EngineObserver {
  /** From a tenth of a millisecond, the engine's own overhead, to a minute, a pool that is far too small. */
  static final double[] WAIT_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  /** Model calls: from an instant (echo, a cache) to the long generations of large outputs. */
  static final double[] CALL_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120,
      300, 600};

  private final Counter graphsSubmitted;
  private final Gauge graphsRunning;
  /** By ordinal; null where the event does not end a graph or a node. */
  private final Counter[] graphsFinished = new Counter[EventType.values().length];
  private final Counter[] nodesFinished = new Counter[EventType.values().length];
  private final Counter[] eventsPublished = new Counter[EventType.values().length];
  private final Histogram nodeWait;
  private final Histogram nodeExecution;
  private final Family<Counter> retries;
  private final Family<Histogram> llmDuration;
  private final Family<Counter> llmErrors;
  private final Family<Counter> llmTokens;
  private final Counter cacheHits;
  private final Counter cacheMisses;
  private final Counter duplicateTasks;
  private final Family<Counter> breakerTransitions;
  private final Counter[] postponed = new Counter[ProviderGuard.Refusal.values().length];
  private final Counter graphsRefused;
  private final MetricRegistry registry;
  /**
   * The model series used last. Nearly every call of an instance goes to the same provider and model, so this saves
   * the three label lookups of a call, the costliest part of recording a node; a call to another model replaces it.
   */
  private volatile LlmSeries lastLlm;

  /** The series of one provider and model, looked up together. */
  private record LlmSeries(String provider, String model, Histogram duration, Counter input, Counter output) {}

  EngineMetrics(MetricRegistry registry) {
    this.registry = registry;
    graphsSubmitted = registry.counter("dago_graphs_submitted_total", "Graphs accepted for execution.");
    graphsRunning = registry.gauge("dago_graphs_running",
        "Graphs submitted to this instance and not finished yet (in a cluster, sum over instances).");
    Family<Counter> graphs = registry.counter("dago_graphs_finished_total", "Graphs finished, by final status.",
        "status");
    graphsFinished[EventType.GraphCompleted.ordinal()] = graphs.labels(GraphStatus.COMPLETED.wireName());
    graphsFinished[EventType.GraphFailed.ordinal()] = graphs.labels(GraphStatus.FAILED.wireName());
    graphsFinished[EventType.GraphCancelled.ordinal()] = graphs.labels(GraphStatus.CANCELLED.wireName());
    Family<Counter> nodes = registry.counter("dago_nodes_finished_total", "Nodes finished, by final status.",
        "status");
    nodesFinished[EventType.NodeCompleted.ordinal()] = nodes.labels(NodeStatus.COMPLETED.wireName());
    nodesFinished[EventType.NodeFailed.ordinal()] = nodes.labels(NodeStatus.FAILED.wireName());
    nodesFinished[EventType.NodeSkipped.ordinal()] = nodes.labels(NodeStatus.SKIPPED.wireName());
    nodesFinished[EventType.NodeCancelled.ordinal()] = nodes.labels(NodeStatus.CANCELLED.wireName());
    Family<Counter> events = registry.counter("dago_events_published_total",
        "Events appended to graph event logs, by event type.", "type");
    for (EventType type : EventType.values()) {
      eventsPublished[type.ordinal()] = events.labels(type.name());
    }
    nodeWait = registry.histogram("dago_node_queue_wait_seconds",
        "Time a ready node waited for a free worker: the scheduling overhead.", WAIT_SECONDS);
    nodeExecution = registry.histogram("dago_node_execution_seconds",
        "Time a worker spent on one attempt of a node, model call included.", CALL_SECONDS);
    retries = registry.counter("dago_node_retries_total", "Node attempts scheduled for a retry, by error code.",
        "code");
    llmDuration = registry.histogram("dago_llm_request_duration_seconds",
        "Duration of model API calls, failed ones included.", CALL_SECONDS, "provider", "model");
    llmErrors = registry.counter("dago_llm_errors_total",
        "Failed model API calls, by error code and HTTP status (none when no response came).",
        "provider", "model", "code", "status");
    llmTokens = registry.counter("dago_llm_tokens_total",
        "Tokens the model API reported, by direction: input (prompt) or output (completion).",
        "provider", "model", "direction");
    Family<Counter> cacheRequests = registry.counter("dago_llm_cache_requests_total",
        "Reply cache lookups of nodes with cache on, by result: hit (the model was not called) or miss.", "result");
    cacheHits = cacheRequests.labels("hit");
    cacheMisses = cacheRequests.labels("miss");
    duplicateTasks = registry.counter("dago_tasks_duplicate_total",
        "Tasks delivered for an attempt that had already begun, and dropped (a node runs once per attempt).");
    breakerTransitions = registry.counter("dago_llm_breaker_transitions_total",
        "Changes of state of a provider's circuit breaker, by the state it moved to.", "provider", "to");
    Family<Counter> postponedNodes = registry.counter("dago_nodes_postponed_total",
        "Ready nodes sent back to the queue without starting an attempt, by reason: the provider's circuit breaker "
            + "was open, or its concurrency limit stayed full.", "reason");
    for (ProviderGuard.Refusal reason : ProviderGuard.Refusal.values()) {
      postponed[reason.ordinal()] = postponedNodes.labels(reason.wireName());
    }
    graphsRefused = registry.counter("dago_graphs_refused_total",
        "Submissions refused with 503 overloaded because too many ready nodes were waiting.");
  }

  /** Declares the worker pool's gauges, read from the running engine when scraped. */
  void watch(Supplier<WorkerLoad> load) {
    registry.gauge("dago_worker_pool_size", "Workers that may run nodes at once.", () -> load.get().poolSize());
    registry.gauge("dago_worker_pool_busy", "Workers running a node.", () -> load.get().busy());
    registry.gauge("dago_worker_pool_utilisation_ratio", "Busy workers as a share of the pool, 0 to 1.",
        () -> load.get().utilisation());
    registry.gauge("dago_ready_queue_length", "Ready nodes waiting for a worker.", () -> load.get().queued());
  }

  /** Declares the gauges of the provider's circuit breaker and concurrency limit, read when scraped. */
  void watchLlm(Supplier<ProviderGuard.Snapshot> guard) {
    String provider = guard.get().provider();
    for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
      breakerTransitions.labels(provider, state.wireName());
    }
    registry.callback(Type.GAUGE, "dago_llm_breaker_state",
        "State of the provider's circuit breaker: 0 closed, 1 open, 2 half-open.", List.of("provider"),
        samples -> {
          ProviderGuard.Snapshot now = guard.get();
          samples.add(now.breaker().gaugeValue(), now.provider());
        });
    registry.callback(Type.GAUGE, "dago_llm_concurrency_limit",
        "Model calls the provider's adaptive limit lets in at once now: halved by each 429, grown back by successes.",
        List.of("provider"), samples -> {
          ProviderGuard.Snapshot now = guard.get();
          samples.add(now.concurrencyLimit(), now.provider());
        });
    registry.callback(Type.GAUGE, "dago_llm_requests_in_flight", "Model calls admitted and not finished.",
        List.of("provider"), samples -> {
          ProviderGuard.Snapshot now = guard.get();
          samples.add(now.inFlight(), now.provider());
        });
  }

  @Override
  public void eventsPublished(List<Event> events) {
    for (Event event : events) {
      int type = event.type().ordinal();
      eventsPublished[type].inc();
      if (event.type() == EventType.GraphSubmitted) {
        graphsSubmitted.inc();
        graphsRunning.inc();
      } else if (graphsFinished[type] != null) {
        graphsFinished[type].inc();
        graphsRunning.dec();
      } else if (nodesFinished[type] != null) {
        nodesFinished[type].inc();
      }
    }
  }

  @Override
  public void nodeWaited(long nanos) {
    nodeWait.observeNanos(nanos);
  }

  @Override
  public void nodeExecuted(long nanos) {
    nodeExecution.observeNanos(nanos);
  }

  @Override
  public void duplicateTask() {
    duplicateTasks.inc();
  }

  @Override
  public void retryScheduled(String code) {
    retries.labels(code).inc();
  }

  @Override
  public void llmCallSucceeded(String provider, String model, long nanos, Usage usage) {
    LlmSeries series = llm(provider, model);
    series.duration.observeNanos(nanos);
    series.input.inc(usage.inputTokens());
    series.output.inc(usage.outputTokens());
  }

  @Override
  public void llmCallFailed(String provider, String model, long nanos, LlmException error) {
    llm(provider, model).duration.observeNanos(nanos);
    String status = error.httpStatus() == 0 ? "none" : Integer.toString(error.httpStatus());
    llmErrors.labels(provider, model, error.code(), status).inc();
  }

  @Override
  public void cacheHit() {
    cacheHits.inc();
  }

  @Override
  public void cacheMiss() {
    cacheMisses.inc();
  }

  @Override
  public void breakerChanged(String provider, CircuitBreaker.State to) {
    breakerTransitions.labels(provider, to.wireName()).inc();
  }

  @Override
  public void nodePostponed(ProviderGuard.Refusal reason) {
    postponed[reason.ordinal()].inc();
  }

  @Override
  public void submissionRefused() {
    graphsRefused.inc();
  }

  private LlmSeries llm(String provider, String model) {
    LlmSeries last = lastLlm;
    if (last != null && last.model.equals(model) && last.provider.equals(provider)) {
      return last;
    }
    LlmSeries series = new LlmSeries(provider, model, llmDuration.labels(provider, model),
        llmTokens.labels(provider, model, "input"), llmTokens.labels(provider, model, "output"));
    lastLlm = series;
    return series;
  }
}
