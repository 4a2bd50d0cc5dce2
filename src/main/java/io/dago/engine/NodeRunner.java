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
import io.dago.store.CacheKey;
import io.dago.store.EventBus;
import io.dago.store.StateStore;
import io.dago.store.StoreUnavailableException;
import io.dago.store.TaskQueue;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one attempt of one ready node, on the worker's virtual thread: marks it running, calls the model with a
 * deadline, and records the outcome (completed, retrying after a backoff, or failed for good). Storing the outcome
 * acknowledges the task and enqueues the nodes it made ready, in one step (see {@link StateStore}).
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
  }

  /** The prepared call, read from the run while it was held. */
  private record Call(int attempt, NodeSpec spec, String traceId, LlmRequest request, ErrorInfo renderError) {}

  /** What beginning a task's attempt gave: a call to make, or a reason not to run ({@code call} null). */
  private record Begun(Call call, int refusal) {}

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
    try (LogContext.Scope graph = LogContext.open(task.graphId(), null, null)) {
      Begun begun = outcomes.store(() -> store.update(task.graphId(), run -> begin(run, task))).orElse(null);
      if (begun == null || begun.call == null) {
        if (begun != null && begun.refusal == GraphRun.ALREADY_STARTED) {
          observer.duplicateTask();
          LOG.info(() -> "task delivered twice, not run again: node=" + task.node() + " attempt=" + task.attempt());
        }
        queue.ack(task);
        return;
      }
      Call call = begun.call;
      try (LogContext.Scope node = LogContext.open(task.graphId(), call.spec.id(), call.traceId)) {
        if (call.renderError != null) {
          fail(task, call.renderError);
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
      fail(task, new ErrorInfo("internal", "dago could not run this node: " + e.getClass().getSimpleName(), false));
    }
  }

  private Begun begin(GraphRun run, TaskQueue.Task task) {
    int attempt = run.beginAttempt(task.node(), task.attempt(), task.redelivered(), clock.instant());
    if (attempt <= 0) {
      return new Begun(null, attempt);
    }
    Integer graphTimeout = run.plan().spec().timeoutSeconds();
    if (graphTimeout != null) {
      // Whichever instance runs a graph's nodes watches its deadline, so a graph outlives no crash of its submitter.
      deadlines.watch(run.id(), run.startedAt().plusSeconds(graphTimeout));
    }
    return new Begun(prepare(run, task, attempt), attempt);
  }

  private Call prepare(GraphRun run, TaskQueue.Task task, int attempt) {
    NodeSpec spec = run.plan().node(task.node());
    try {
      Template system = run.plan().system(task.node());
      LlmRequest request = new LlmRequest(spec.model() == null ? defaultModel : spec.model(),
          system == null ? null : run.render(system), run.render(run.plan().prompt(task.node())),
          spec.maxTokens(), spec.temperature(), run.id(), spec.id(), run.trace().child().traceparent());
      if (!limits.promptFits(request.prompt()) || (request.system() != null && !limits.promptFits(request.system()))) {
        return new Call(attempt, spec, run.trace().traceId(), null, new ErrorInfo("prompt_too_large",
            "the rendered prompt of node '" + spec.id() + "' is over DAGO_MAX_PROMPT_BYTES (" + limits.maxPromptBytes()
                + " bytes) once its references are filled in", false));
      }
      return new Call(attempt, spec, run.trace().traceId(), request, null);
    } catch (RuntimeException e) {
      return new Call(attempt, spec, run.trace().traceId(), null, new ErrorInfo("template_error",
          "the prompt of node '" + spec.id() + "' could not be rendered: " + e.getMessage(), false));
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
        complete(task, new LlmResponse(reply.text(), Usage.ZERO, reply.stopReason()), true);
        return;
      }
      observer.cacheMiss();
    }
    long started = System.nanoTime();
    Attempt attempt = new Attempt(task.graphId(), task.node(), Thread.currentThread(), started,
        started + TimeUnit.SECONDS.toNanos(call.spec.timeoutSeconds()));
    // Its timeout is watched by the sweep over running attempts (RunningAttempts#stopOverdue).
    running.add(attempt);
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
      complete(task, response, false);
    } else if (stopped == Attempt.Stop.CANCELLED) {
      // The graph ended meanwhile; its state already says what became of this node.
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

  private void complete(TaskQueue.Task task, LlmResponse response, boolean cached) {
    boolean ended = outcomes.store(() -> store.update(task.graphId(), task, run -> {
      run.completeNode(task.node(), response.text(), response.usage(), response.stopReason(), cached,
          clock.instant());
      return run.status().isTerminal();
    })).orElse(false);
    if (ended) {
      graphEnded.graphEnded(task.graphId());
    }
  }

  private void retryOrFail(TaskQueue.Task task, Call call, LlmException e) {
    ErrorInfo error = new ErrorInfo(e.code(), e.getMessage(), e.retryable());
    if (!e.retryable() || call.attempt >= call.spec.retry().maxAttempts()) {
      fail(task, error);
      return;
    }
    long delayMs = backoff.delayMs(call.spec.retry(), call.attempt, e.retryAfter());
    // The retry is a task for the next attempt, enqueued with the change and ready when the backoff has passed.
    boolean retrying = outcomes.store(() -> store.update(task.graphId(), task,
        run -> run.retryNode(task.node(), error, delayMs, clock.instant()))).orElse(false);
    if (retrying) {
      observer.retryScheduled(error.code());
      LOG.fine(() -> "retrying attempt " + call.attempt + " in " + delayMs + " ms: " + error.code());
    }
  }

  private void fail(TaskQueue.Task task, ErrorInfo error) {
    record Outcome(int[] toStop, boolean ended) {}
    Outcome outcome = outcomes.store(() -> store.update(task.graphId(), task, run -> new Outcome(
        run.failNode(task.node(), error, clock.instant()), run.status().isTerminal()))).orElse(null);
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
