package io.dago.engine;

import io.dago.graph.GraphDocuments;
import io.dago.graph.GraphLimits;
import io.dago.graph.GraphPlan;
import io.dago.json.Json;
import io.dago.llm.AdaptiveConcurrencyLimit;
import io.dago.llm.CircuitBreaker;
import io.dago.llm.LlmProvider;
import io.dago.llm.ProviderGuard;
import io.dago.log.LogContext;
import io.dago.state.Event;
import io.dago.state.GraphPage;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.store.EventBus;
import io.dago.store.ReplyCache;
import io.dago.store.StateStore;
import io.dago.store.TaskQueue;
import io.dago.store.memory.InMemoryReplyCache;
import io.dago.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

/**
 * The application service: everything a client can ask of dago, whatever protocol it speaks.
 * HTTP and gRPC handlers translate their requests into these calls and these results back; every rule
 * lives here or below, never in a handler.
 */
public final class Orchestrator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Orchestrator.class.getName());
  /** How long a worker holding a finished call waits for an unreachable store before giving its task back. */
  private static final Duration OUTCOME_PATIENCE = Duration.ofSeconds(60);
  /** What an overloaded instance asks submitters to wait: about how often the ready queue's size is refreshed. */
  private static final Duration OVERLOADED_RETRY_AFTER = Duration.ofSeconds(1);
  /** How long a node waits for a free slot of its provider's concurrency limit before it goes back to the queue. */
  private static final Duration PERMIT_WAIT = Duration.ofSeconds(5);
  /** How long it then stays in the queue. */
  private static final Duration PERMIT_RETRY = Duration.ofSeconds(1);
  /** Successes that raise the provider's concurrency limit by one after a 429 lowered it. */
  private static final int SUCCESSES_PER_LIMIT_STEP = 10;

  private final StateStore store;
  private final EventBus events;
  private final TaskQueue queue;
  private final LlmProvider provider;
  private final InstantSource clock;
  private final GraphLimits graphLimits;
  private final int maxQueuedNodes;
  private final EngineObserver observer;
  private final ProviderGuard guard;
  private final GraphIds ids;
  private final RunningAttempts running = new RunningAttempts();
  private final ScheduledThreadPoolExecutor timers;
  private final WorkerPool workers;
  private final Deadlines deadlines;
  private final EventBus.Subscription endings;

  /** What the orchestrator needs to run graphs; the adapters are chosen by whoever builds it. */
  /**
   * @param cacheTtl how long a reply stays in the reply cache
   * @param cacheAll whether every node uses the reply cache, not only those with {@code "cache": true}
   * @param maxQueuedNodes ready nodes waiting beyond which submissions are refused with {@link OverloadedException}
   * @param llmMaxConcurrency model calls in flight at once, the most the adaptive limit grows to; 0: as many as
   *     workers
   * @param breakerFailures consecutive retryable failures that open the provider's circuit breaker
   * @param breakerOpen how long an open breaker waits before it lets one probe call through
   * @param maxPromptBytes the largest prompt or system prompt of a node, as written and as rendered
   */
  public record Settings(int workerPoolSize, String defaultModel, int maxNodes, Duration cacheTtl, boolean cacheAll,
      int maxQueuedNodes, int llmMaxConcurrency, int breakerFailures, Duration breakerOpen, int maxPromptBytes) {
    /** With no bound on prompts beyond the request body's. */
    public Settings(int workerPoolSize, String defaultModel, int maxNodes, Duration cacheTtl, boolean cacheAll,
        int maxQueuedNodes, int llmMaxConcurrency, int breakerFailures, Duration breakerOpen) {
      this(workerPoolSize, defaultModel, maxNodes, cacheTtl, cacheAll, maxQueuedNodes, llmMaxConcurrency,
          breakerFailures, breakerOpen, GraphLimits.NO_PROMPT_LIMIT);
    }

    public Settings(int workerPoolSize, String defaultModel, int maxNodes) {
      this(workerPoolSize, defaultModel, maxNodes, Duration.ofHours(1), false);
    }

    /** With the configuration's defaults for backpressure and the provider guards. */
    public Settings(int workerPoolSize, String defaultModel, int maxNodes, Duration cacheTtl, boolean cacheAll) {
      this(workerPoolSize, defaultModel, maxNodes, cacheTtl, cacheAll, 100_000, 0, 5, Duration.ofSeconds(10));
    }
  }

  public Orchestrator(StateStore store, EventBus events, TaskQueue queue, LlmProvider provider, Settings settings,
      InstantSource clock, RandomGenerator random) {
    this(store, events, queue, provider, settings, clock, random, EngineObserver.NONE, new InMemoryReplyCache(1024));
  }

  /**
   * @param observer told what the engine does, for metrics; the events it reports are the ones appended through
   *     {@code events}, so wrap the bus the state store publishes to in an {@link ObservedEventBus} too
   * @param replies the reply cache nodes with {@code "cache": true} use
   */
  public Orchestrator(StateStore store, EventBus events, TaskQueue queue, LlmProvider provider, Settings settings,
      InstantSource clock, RandomGenerator random, EngineObserver observer, ReplyCache replies) {
    this.store = store;
    this.events = events;
    this.queue = queue;
    this.provider = provider;
    this.clock = clock;
    this.graphLimits = new GraphLimits(settings.maxNodes(), settings.maxPromptBytes());
    this.maxQueuedNodes = settings.maxQueuedNodes();
    this.observer = observer;
    this.guard = guard(provider.name(), settings, observer);
    this.ids = new GraphIds(clock);
    this.timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("dago-timers").daemon().factory());
    this.timers.setRemoveOnCancelPolicy(true);
    this.deadlines = new Deadlines(timers, clock, this::timeOut);
    timers.scheduleWithFixedDelay(() -> running.stopOverdue(System.nanoTime()), RunningAttempts.TIMEOUT_CHECK_MILLIS,
        RunningAttempts.TIMEOUT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    // A graph can end on another instance (cancelled there, or failed by a node that ran there): this one then stops
    // whatever it still runs of that graph. Graphs that end here stop their attempts here as they end.
    this.endings = events.subscribeElsewhere(event -> {
      if (event.type().isTerminal()) {
        running.stop(event.graphId(), null, Attempt.Stop.CANCELLED);
        deadlines.forget(event.graphId());
      }
    });
    NodeRunner runner = new NodeRunner(
        new NodeRunner.Ports(store, queue, events, provider, guard,
            new ReplyCaching(replies, settings.cacheTtl(), settings.cacheAll())),
        new NodeRunner.Timing(clock, timers, new Backoff(random), deadlines, new Outcomes(OUTCOME_PATIENCE)),
        new NodeRunner.CallRules(settings.defaultModel(), graphLimits), running, deadlines::forget, observer);
    this.workers = new WorkerPool(settings.workerPoolSize(), queue, runner::run, observer);
    this.workers.start();
  }

  /**
   * Validates and starts a graph.
   *
   * @param document the graph document as a JSON tree
   * @param idempotencyKey when not null, a retried submit with the same key and document returns the first graph
   * @return the graph's state right after submission
   * @throws io.dago.graph.InvalidGraphException with every problem found
   * @throws IdempotencyConflictException when the key was used for a different document
   * @throws OverloadedException when too many ready nodes wait; nothing was stored
   */
  public GraphView submit(Map<String, Object> document, String idempotencyKey) {
    return submit(document, idempotencyKey, null);
  }

  /**
   * Validates and starts a graph that belongs to the caller's trace.
   *
   * @param traceparent the caller's W3C {@code traceparent}; when null or malformed the graph starts a new trace
   * @see #submit(Map, String)
   */
  public GraphView submit(Map<String, Object> document, String idempotencyKey, String traceparent) {
    refuseIfOverloaded();
    GraphPlan plan = GraphDocuments.plan(document, graphLimits);
    TraceContext caller = TraceContext.parse(traceparent);
    GraphRun run = new GraphRun(store.placeGraph(idempotencyKey, ids::next), plan,
        caller == null ? TraceContext.newTrace() : caller, clock.instant());
    // The response shows the graph as it was submitted; it is stored already started, its roots enqueued in the
    // same step, so an accepted graph cannot be lost between being stored and being started.
    GraphView submitted = run.view();
    run.start(clock.instant());
    String fingerprint = idempotencyKey == null ? null : fingerprint(document);
    StateStore.Created created = store.create(run, document, idempotencyKey, fingerprint);
    if (!created.isNew()) {
      if (!created.fingerprintMatches()) {
        throw new IdempotencyConflictException(created.graphId());
      }
      return get(created.graphId());
    }
    String id = run.id();
    Integer timeout = plan.spec().timeoutSeconds();
    if (timeout != null) {
      deadlines.watch(id, run.startedAt().plusSeconds(timeout));
    }
    try (LogContext.Scope scope = LogContext.open(id, null, run.trace().traceId())) {
      LOG.fine(() -> "graph submitted with " + plan.size() + " nodes");
    }
    return submitted;
  }

  /**
   * Backpressure: past the bound, a new graph would only wait behind the others while they pile up in memory or
   * Redis; refusing it before anything is stored means a graph is either accepted and run, or refused, never
   * accepted and then dropped. The bound is soft: graphs accepted just under it may take the queue past it.
   */
  private void refuseIfOverloaded() {
    int queued = workers.waiting();
    if (queued > maxQueuedNodes) {
      observer.submissionRefused();
      throw new OverloadedException(queued, maxQueuedNodes, OVERLOADED_RETRY_AFTER);
    }
  }

  /** Runs every check of {@link #submit} without running anything. */
  public ValidationReport validate(Map<String, Object> document) {
    GraphPlan plan = GraphDocuments.plan(document, graphLimits);
    return new ValidationReport(plan.size(), plan.depth());
  }

  /** @throws GraphNotFoundException */
  public GraphView get(String graphId) {
    return store.view(graphId).orElseThrow(() -> new GraphNotFoundException(graphId));
  }

  /**
   * Waits until the graph finishes or {@code wait} passes, whichever comes first, then returns its state.
   *
   * @throws GraphNotFoundException
   */
  public GraphView await(String graphId, Duration wait) throws InterruptedException {
    // What this instance saw is enough to decide whether to wait: the subscription's history tells whether the
    // graph ended meanwhile, so the run is brought up to date once, at the end.
    GraphStatus seen = store.statusSeen(graphId).orElseThrow(() -> new GraphNotFoundException(graphId));
    if (seen.isTerminal() || wait.isZero() || wait.isNegative()) {
      return get(graphId);
    }
    CountDownLatch ended = new CountDownLatch(1);
    try (EventBus.Subscription subscription = events.subscribe(graphId, 0, event -> {
      if (event.type().isTerminal()) {
        ended.countDown();
      }
    })) {
      ended.await(wait.toNanos(), TimeUnit.NANOSECONDS);
    }
    return get(graphId);
  }

  /**
   * @param status only graphs in this status, or null for all
   * @param cursor from a previous page, or null for the first
   */
  public GraphPage list(GraphStatus status, int limit, String cursor) {
    return store.list(status, limit, cursor);
  }

  /**
   * Cancels a graph: running calls are aborted, running and pending nodes become cancelled.
   *
   * @throws GraphNotFoundException
   * @throws GraphFinishedException when it had already finished
   */
  public GraphView cancel(String graphId) {
    record Cancelled(GraphStatus finishedBefore, int[] toStop, GraphView view) {}
    Cancelled result = store.update(graphId, run -> run.status().isTerminal()
        ? new Cancelled(run.status(), null, null)
        : new Cancelled(null, run.cancel(clock.instant()), run.view()))
        .orElseThrow(() -> new GraphNotFoundException(graphId));
    if (result.finishedBefore != null) {
      throw new GraphFinishedException(graphId, result.finishedBefore);
    }
    running.stop(graphId, null, Attempt.Stop.CANCELLED);
    deadlines.forget(graphId);
    try (LogContext.Scope scope = LogContext.open(graphId, null, result.view.traceId())) {
      LOG.info("graph cancelled");
    }
    return result.view;
  }

  /** The graph's events with {@code seq > afterSeq}, in order. @throws GraphNotFoundException */
  public List<Event> events(String graphId, long afterSeq) {
    get(graphId);
    return events.history(graphId, afterSeq);
  }

  /**
   * Follows a graph: its events with {@code seq > afterSeq}, first the stored ones, then live ones as they happen,
   * with no gap and no duplicate, ending by itself after the terminal event. Live-only events of the graph
   * ({@code NodeDelta}) reach the listener's {@link EventBus.EventListener#onLiveEvent} meanwhile. The listener must
   * not block.
   *
   * @throws GraphNotFoundException
   */
  public EventBus.Subscription follow(String graphId, long afterSeq, EventBus.EventListener listener) {
    get(graphId);
    return events.subscribe(graphId, afterSeq, listener);
  }

  /**
   * Follows every graph: live events of all graphs from now on, stored and live-only, without history. The listener
   * must not block.
   */
  public EventBus.Subscription followAll(EventBus.EventListener listener) {
    return events.subscribeAll(listener);
  }

  public Health health() {
    Map<String, Map<String, Object>> components = new LinkedHashMap<>();
    WorkerLoad load = workerLoad();
    Map<String, Object> workerDetails = new LinkedHashMap<>();
    workerDetails.put("status", "ok");
    workerDetails.put("pool_size", load.poolSize());
    workerDetails.put("busy", load.busy());
    workerDetails.put("queued", load.queued());
    workerDetails.put("oldest_running_attempt_seconds",
        running.oldestAgeNanos(System.nanoTime()) / 1_000_000 / 1000.0);
    components.put("workers", workerDetails);
    Map<String, Object> storeDetails = new LinkedHashMap<>();
    storeDetails.put("status", store.isUp() ? "ok" : "down");
    components.put(store.healthName(), storeDetails);
    Map<String, Object> llmDetails = new LinkedHashMap<>();
    ProviderGuard.Snapshot llm = guard.snapshot();
    // Degraded, not down: nodes wait for the provider without losing anything, the instance still takes graphs, and
    // every instance shares the provider, so a balancer gains nothing by taking this one out.
    llmDetails.put("status", llm.breaker() == CircuitBreaker.State.CLOSED ? "ok" : "degraded");
    llmDetails.put("provider", provider.name());
    llmDetails.put("breaker", llm.breaker().wireName());
    llmDetails.put("consecutive_failures", llm.consecutiveFailures());
    llmDetails.put("concurrency_limit", llm.concurrencyLimit());
    llmDetails.put("in_flight", llm.inFlight());
    components.put("llm", llmDetails);
    return Health.of(components);
  }

  /** Workers and ready queue as they are now; cheap enough for every metrics scrape. */
  public WorkerLoad workerLoad() {
    return new WorkerLoad(workers.size(), workers.busy(), workers.waiting());
  }

  /** The provider's circuit breaker and concurrency limit as they are now; cheap enough for every metrics scrape. */
  public ProviderGuard.Snapshot llmGuard() {
    return guard.snapshot();
  }

  /** Stops taking new nodes and lets running ones finish for up to {@code grace}. */
  public void shutdown(Duration grace) throws InterruptedException {
    endings.close();
    workers.shutdown(grace);
    timers.shutdownNow();
  }

  /** Stops at once: running attempts are left to die with the process. */
  public void shutdownNow() {
    try {
      shutdown(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    shutdownNow();
  }

  private static ProviderGuard guard(String provider, Settings settings, EngineObserver observer) {
    int maxConcurrency = settings.llmMaxConcurrency() > 0 ? settings.llmMaxConcurrency() : settings.workerPoolSize();
    CircuitBreaker breaker = new CircuitBreaker(provider, settings.breakerFailures(), settings.breakerOpen(),
        System::nanoTime, (from, to) -> observer.breakerChanged(provider, to));
    return new ProviderGuard(provider, breaker, new AdaptiveConcurrencyLimit(maxConcurrency, SUCCESSES_PER_LIMIT_STEP),
        PERMIT_WAIT, PERMIT_RETRY, ThreadLocalRandom.current());
  }

  private void timeOut(String graphId) {
    int[] toStop = store.update(graphId, run -> run.timeOut(clock.instant())).orElse(null);
    if (toStop != null) {
      running.stop(graphId, toStop, Attempt.Stop.CANCELLED);
      try (LogContext.Scope scope = LogContext.open(graphId, null, null)) {
        LOG.info("graph timed out");
      }
    }
  }

  private static String fingerprint(Map<String, Object> document) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(Json.writeString(document).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
