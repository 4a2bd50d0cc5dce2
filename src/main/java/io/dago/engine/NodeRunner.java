package io.dago.engine;

import io.dago.graph.GraphLimits;
import io.dago.graph.NodeSpec;
import io.dago.graph.Template;
import io.dago.llm.LlmException;
import io.dago.llm.LlmProvider;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.ProviderGuard;
import io.dago.llm.Usage;
import io.dago.log.LogContext;
import io.dago.state.ErrorInfo;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.store.CacheKey;
import io.dago.store.EventBus;
import io.dago.store.StateStore;
import io.dago.store.StoreUnavailableException;
import io.dago.store.TaskQueue;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one attempt of one ready node, on the worker's virtual thread: marks it running, calls the model with a
 * deadline, and records the outcome (completed, retrying after a backoff, or failed for good). Storing the outcome
 * acknowledges the task and enqueues the nodes it made ready, in one step (see {@link StateStore}). When this
 * instance's copy of the graph shows the attempt may begin, its start is stored with the outcome, or by a timer
 * once the call has taken {@link DeferredStart#DELAY_MILLIS}, rather than in a commit of its own before the call.
 */
final class NodeRunner {
  private static final Logger LOG = Logger.getLogger(NodeRunner.class.getName());

  private final StateStore store;
  private final TaskQueue queue;
  private final LlmProvider provider;
  private final RunningAttempts running;
  private final Backoff backoff;
  private final ScheduledExecutorService timers;
  private final InstantSource clock;
  private final String defaultModel;
  private final GraphLimits limits;
  private final GraphEndListener graphEnded;
  private final EngineObserver observer;
  private final EventBus events;
  private final Deadlines deadlines;
  private final Outcomes outcomes;
  private final ReplyCaching caching;
  private final ProviderGuard guard;
  private final DeferredStarts starts;

  /** Told when a graph reaches a terminal status through a node's outcome. */
  interface GraphEndListener {
    void graphEnded(String graphId);
  }

  /** Where nodes' state, tasks and events go, and the model they call through its guard and cache. */
  record Ports(StateStore store, TaskQueue queue, EventBus events, LlmProvider provider, ProviderGuard guard,
      ReplyCaching caching) {}

  /** Time: the clock, the timers for attempt timeouts and stream flushes, retries' backoff and graphs' deadlines. */
  record Timing(InstantSource clock, ScheduledExecutorService timers, Backoff backoff, Deadlines deadlines,
      Outcomes outcomes) {}

  /** How a node's call is made: the model when the node names none, and how large a rendered prompt may be. */
  record CallRules(String defaultModel, GraphLimits limits) {}

  NodeRunner(Ports ports, Timing timing, CallRules rules, RunningAttempts running, GraphEndListener graphEnded,
      EngineObserver observer) {
    this.store = ports.store();
    this.queue = ports.queue();
    this.events = ports.events();
    this.provider = ports.provider();
    this.guard = ports.guard();
    this.caching = ports.caching();
    this.clock = timing.clock();
    this.timers = timing.timers();
    this.backoff = timing.backoff();
    this.deadlines = timing.deadlines();
    this.outcomes = timing.outcomes();
    this.defaultModel = rules.defaultModel();
    this.limits = rules.limits();
    this.running = running;
    this.graphEnded = graphEnded;
    this.observer = observer;
    this.starts = new DeferredStarts(timers, this::publishStart);
  }

  /**
   * The prepared call, read from the run while it was held.
   *
   * @param start the attempt's start while not stored yet, or null when it was stored before the call
   */
  private record Call(int attempt, NodeSpec spec, String traceId, LlmRequest request, ErrorInfo renderError,
      DeferredStart start) {}

  /** What beginning a task's attempt gave: a call to make, or a reason not to run ({@code call} null). */
  private record Begun(Call call, int refusal) {}

  /** What {@link #deferred} answers when the run has not seen every parent's outcome yet. */
  private static final Begun BEHIND = new Begun(null, 0);

  void run(TaskQueue.Task task) {
    // --- provider guards: a node its provider cannot take now goes back to the queue before its attempt begins.
    try (ProviderGuard.Pass pass = admit(task)) {
      if (pass != null) {
        run(task, pass);
      }
    }
  }

  /**
   * Asks the provider's guard (circuit breaker, concurrency limit) to let the node's call through. When it refuses,
   * the task is postponed and null returned: no attempt began, so the node loses nothing by waiting.
   */
  private ProviderGuard.Pass admit(TaskQueue.Task task) {
    ProviderGuard.Admission admission;
    try {
      admission = guard.admit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      queue.release(task);
      return null;
    }
    if (admission.pass() != null) {
      return admission.pass();
    }
    observer.nodePostponed(admission.refusal());
    LOG.fine(() -> "node " + task.node() + " of graph " + task.graphId() + " waits " + admission.retryIn().toMillis()
        + " ms without starting attempt " + task.attempt() + ": " + admission.refusal().wireName());
    try {
      queue.postpone(task, admission.retryIn());
    } catch (StoreUnavailableException e) {
      // Still held: given back, it is delivered again (at once, or after the claim timeout if the store stays away).
      queue.release(task);
    }
    return null;
  }
  // --- end of provider guards

  private void run(TaskQueue.Task task, ProviderGuard.Pass pass) {
    Call call = null;
    try (LogContext.Scope graph = LogContext.open(task.graphId(), null, null)) {
      Begun begun = beginDeferred(task);
      if (begun == null) {
        begun = outcomes.store(() -> store.update(task.graphId(), run -> begin(run, task))).orElse(null);
      }
      if (begun == null || begun.call == null) {
        if (begun != null && begun.refusal == GraphRun.ALREADY_STARTED) {
          duplicate(task.node(), task.attempt());
        }
        queue.ack(task);
        return;
      }
      call = begun.call;
      try (LogContext.Scope node = LogContext.open(task.graphId(), call.spec.id(), call.traceId)) {
        if (call.renderError != null) {
          fail(task, call, call.renderError);
        } else {
          attempt(task, call, pass);
        }
      }
    } catch (StoreUnavailableException e) {
      // Only when the store stayed out of reach for longer than Outcomes waits: the queue delivers it again later.
      LOG.warning("could not store the outcome of node " + task.node() + " of graph " + task.graphId() + ": "
          + e.getMessage() + "; it will run again");
      queue.release(task);
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "node run failed unexpectedly: graph_id=" + task.graphId() + " node=" + task.node(), e);
      fail(task, call, new ErrorInfo("internal", "dago could not run this node: " + e.getClass().getSimpleName(),
          false));
    }
  }

  /** A task for an attempt that had already begun: it does not run, or its outcome is dropped. */
  private void duplicate(int node, int attempt) {
    observer.duplicateTask();
    LOG.info(() -> "task delivered twice, not run again: node=" + node + " attempt=" + attempt);
  }

  /** Begins the attempt and stores its start before the call. */
  private Begun begin(GraphRun run, TaskQueue.Task task) {
    int attempt = run.beginAttempt(task.node(), task.attempt(), task.redelivered(), clock.instant());
    if (attempt <= 0) {
      return new Begun(null, attempt);
    }
    watchDeadline(run);
    return new Begun(prepare(run, task, attempt, null), attempt);
  }

  /**
   * Prepares the attempt from this instance's copy of the run without storing its start (see {@link DeferredStart}),
   * when that copy shows the attempt may begin and has every parent's outcome to fill the prompt with; a copy that
   * lacks a parent's outcome (stored by another instance) is brought up to date first. Null when the attempt must be
   * begun by {@link #begin} instead: the copy shows it begun (a task delivered twice, which {@code begin} judges
   * against the stored log), the task was taken back from a silent worker (likewise), or the node streams (its
   * deltas must not come before its start).
   */
  private Begun beginDeferred(TaskQueue.Task task) {
    if (task.redelivered()) {
      return null;
    }
    Begun begun = store.inspect(task.graphId(), run -> deferred(run, task)).orElse(null);
    if (begun == BEHIND) {
      begun = store.latest(task.graphId(), run -> deferred(run, task)).orElse(null);
    }
    return begun == BEHIND ? null : begun;
  }

  private Begun deferred(GraphRun run, TaskQueue.Task task) {
    int node = task.node();
    if (run.status() != GraphStatus.RUNNING || run.nodeStatus(node).isTerminal()
        || run.attempts(node) >= task.attempt() || run.plan().node(node).stream()) {
      return null;
    }
    for (int parent : run.plan().parents(node)) {
      if (!run.nodeStatus(parent).isTerminal()) {
        return BEHIND;
      }
    }
    watchDeadline(run);
    int attempt = run.attempts(node) + 1;
    DeferredStart start = new DeferredStart(run.id(), node, attempt, clock.instant(), System.nanoTime());
    return new Begun(prepare(run, task, attempt, start), attempt);
  }

  /** Whichever instance runs a graph's nodes watches its deadline, so a graph outlives no crash of its submitter. */
  private void watchDeadline(GraphRun run) {
    Integer graphTimeout = run.plan().spec().timeoutSeconds();
    if (graphTimeout != null) {
      deadlines.watch(run.id(), run.startedAt().plusSeconds(graphTimeout));
    }
  }

  /**
   * Stores a deferred start on its own, for {@link DeferredStarts} (on a virtual thread: the timer must not wait for
   * the store). When the start is refused (the graph ended, or the attempt began elsewhere meanwhile), the
   * call is stopped: its outcome would be dropped.
   */
  private void publishStart(DeferredStart start) {
    Thread.ofVirtual().start(() -> {
      int begun;
      try (LogContext.Scope graph = LogContext.open(start.graphId, null, null)) {
        begun = store.update(start.graphId, run -> run.beginAttempt(start.node, start.attempt, false, start.at))
            .orElse(GraphRun.NOT_RUNNABLE);
      } catch (RuntimeException e) {
        // Out of reach, most likely: the worker stores the start with the outcome instead.
        LOG.fine(() -> "could not store the start of node " + start.node + " of graph " + start.graphId + ": " + e);
        start.publishFailed();
        return;
      }
      start.published(begun == start.attempt);
      if (begun != start.attempt) {
        if (begun == GraphRun.ALREADY_STARTED) {
          duplicate(start.node, start.attempt);
        }
        running.stop(start.graphId, new int[] {start.node}, Attempt.Stop.CANCELLED);
      }
    });
  }

  private Call prepare(GraphRun run, TaskQueue.Task task, int attempt, DeferredStart start) {
    NodeSpec spec = run.plan().node(task.node());
    try {
      Template system = run.plan().system(task.node());
      LlmRequest request = new LlmRequest(spec.model() == null ? defaultModel : spec.model(),
          system == null ? null : run.render(system), run.render(run.plan().prompt(task.node())),
          spec.maxTokens(), spec.temperature(), run.id(), spec.id(), run.trace().child().traceparent());
      if (!limits.promptFits(request.prompt()) || (request.system() != null && !limits.promptFits(request.system()))) {
        return new Call(attempt, spec, run.trace().traceId(), null, new ErrorInfo("prompt_too_large",
            "the rendered prompt of node '" + spec.id() + "' is over DAGO_MAX_PROMPT_BYTES (" + limits.maxPromptBytes()
                + " bytes) once its references are filled in", false), start);
      }
      return new Call(attempt, spec, run.trace().traceId(), request, null, start);
    } catch (RuntimeException e) {
      return new Call(attempt, spec, run.trace().traceId(), null, new ErrorInfo("template_error",
          "the prompt of node '" + spec.id() + "' could not be rendered: " + e.getMessage(), false), start);
    }
  }

  private void attempt(TaskQueue.Task task, Call call, ProviderGuard.Pass pass) {
    CacheKey key = caching.keyFor(call.spec, provider.name(), call.request);
    if (key != null) {
      Optional<LlmResponse> stored = caching.find(key);
      if (stored.isPresent()) {
        observer.cacheHit();
        // No tokens were spent on this node: its usage says so; the reply is the stored one.
        LlmResponse reply = stored.get();
        complete(task, call, new LlmResponse(reply.text(), Usage.ZERO, reply.stopReason()), true);
        return;
      }
      observer.cacheMiss();
    }
    long started = System.nanoTime();
    Attempt attempt = new Attempt(task.graphId(), task.node(), Thread.currentThread(), started,
        started + TimeUnit.SECONDS.toNanos(call.spec.timeoutSeconds()));
    // Its timeout is watched by the sweep over running attempts (RunningAttempts#stopOverdue).
    running.add(attempt);
    if (call.start != null) {
      starts.add(call.start);
    }
    LlmResponse response = null;
    LlmException failure = null;
    Attempt.Stop stopped;
    try {
      response = call.spec.stream() ? stream(task, call) : provider.complete(call.request);
    } catch (LlmException e) {
      failure = e;
    } catch (InterruptedException e) {
      // Stopped from outside; finish() below says why.
    } finally {
      stopped = attempt.finish();
      running.remove(attempt);
    }
    long nanos = System.nanoTime() - attempt.startedNanos;
    if (response != null) {
      pass.succeeded();
      observer.llmCallSucceeded(provider.name(), call.request.model(), nanos, response.usage());
      if (key != null) {
        caching.keep(key, response);
      }
      complete(task, call, response, false);
    } else if (stopped == Attempt.Stop.CANCELLED) {
      // The graph ended meanwhile (or its start was refused); its state already says what became of this node.
      queue.ack(task);
    } else {
      LlmException error = failure;
      if (stopped == Attempt.Stop.TIMED_OUT) {
        error = new LlmException("timeout", "attempt " + call.attempt + " of node '" + call.spec.id()
            + "' did not finish within its timeout_seconds (" + call.spec.timeoutSeconds() + ")", true, 0, null);
      } else if (error == null) {
        error = new LlmException("interrupted", "the call was interrupted", true, 0, null);
      }
      pass.failed(error);
      observer.llmCallFailed(provider.name(), call.request.model(), nanos, error);
      retryOrFail(task, call, error);
    }
  }

  /** Calls the model streaming, publishing its text as it comes (see {@link DeltaCoalescer}). */
  private LlmResponse stream(TaskQueue.Task task, Call call) throws LlmException, InterruptedException {
    DeltaCoalescer deltas = new DeltaCoalescer(events, task.graphId(), call.spec.id(), call.traceId, call.attempt, clock,
        System::nanoTime, (flush, delayNanos) -> timers.schedule(flush, delayNanos, TimeUnit.NANOSECONDS));
    try {
      LlmResponse response = provider.stream(call.request, deltas);
      deltas.finish();
      return response;
    } finally {
      deltas.discard();
    }
  }

  /**
   * Stores an outcome of the call and acknowledges its task, with the attempt's start first when that is still the
   * worker's to store (see {@link DeferredStart}). Empty when nothing was stored: no such graph, or the start was
   * refused because the graph ended or the attempt began elsewhere (a task delivered twice); the outcome is dropped.
   */
  private <T> Optional<T> storeOutcome(TaskQueue.Task task, Call call, Function<GraphRun, T> outcome) {
    DeferredStart start = call == null ? null : call.start;
    DeferredStart.Outcome how;
    try {
      how = start == null ? DeferredStart.Outcome.ALONE : start.claimForOutcome();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      queue.release(task);
      return Optional.empty();
    }
    if (how == DeferredStart.Outcome.DROP) {
      queue.ack(task);
      return Optional.empty();
    }
    if (how == DeferredStart.Outcome.ALONE) {
      return outcomes.store(() -> store.update(task.graphId(), task, outcome));
    }
    record Merged<T>(int begun, T result) {}
    Merged<T> merged = outcomes.store(() -> store.update(task.graphId(), task, run -> {
      int begun = run.beginAttempt(start.node, start.attempt, false, start.at);
      return new Merged<>(begun, begun > 0 ? outcome.apply(run) : null);
    })).orElse(null);
    if (merged == null || merged.begun <= 0) {
      if (merged != null && merged.begun == GraphRun.ALREADY_STARTED) {
        duplicate(task.node(), task.attempt());
      }
      return Optional.empty();
    }
    return Optional.ofNullable(merged.result);
  }

  private void complete(TaskQueue.Task task, Call call, LlmResponse response, boolean cached) {
    boolean ended = storeOutcome(task, call, run -> {
      run.completeNode(task.node(), response.text(), response.usage(), response.stopReason(), cached,
          clock.instant());
      return run.status().isTerminal();
    }).orElse(false);
    if (ended) {
      graphEnded.graphEnded(task.graphId());
    }
  }

  private void retryOrFail(TaskQueue.Task task, Call call, LlmException e) {
    ErrorInfo error = new ErrorInfo(e.code(), e.getMessage(), e.retryable());
    if (!e.retryable() || call.attempt >= call.spec.retry().maxAttempts()) {
      fail(task, call, error);
      return;
    }
    long delayMs = backoff.delayMs(call.spec.retry(), call.attempt, e.retryAfter());
    // The retry is a task for the next attempt, enqueued with the change and ready when the backoff has passed.
    boolean retrying = storeOutcome(task, call,
        run -> run.retryNode(task.node(), error, delayMs, clock.instant())).orElse(false);
    if (retrying) {
      observer.retryScheduled(error.code());
      LOG.fine(() -> "retrying attempt " + call.attempt + " in " + delayMs + " ms: " + error.code());
    }
  }

  /** @param call the attempt's call, or null when it failed before it had one */
  private void fail(TaskQueue.Task task, Call call, ErrorInfo error) {
    record Outcome(int[] toStop, boolean ended) {}
    Outcome outcome = storeOutcome(task, call, run -> new Outcome(
        run.failNode(task.node(), error, clock.instant()), run.status().isTerminal())).orElse(null);
    if (outcome == null) {
      return;
    }
    LOG.info(() -> "node failed: " + error.code() + (outcome.ended ? " (graph ended)" : "") + ": " + error.message());
    if (outcome.toStop.length > 0) {
      running.stop(task.graphId(), outcome.toStop, Attempt.Stop.CANCELLED);
    }
    if (outcome.ended) {
      graphEnded.graphEnded(task.graphId());
    }
  }
}
