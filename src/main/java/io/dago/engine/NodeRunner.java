package io.dago.engine;

import io.dago.graph.NodeSpec;
import io.dago.graph.Template;
import io.dago.llm.LlmException;
import io.dago.llm.LlmProvider;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.log.LogContext;
import io.dago.state.ErrorInfo;
import io.dago.state.GraphRun;
import io.dago.store.EventBus;
import io.dago.store.StateStore;
import io.dago.store.TaskQueue;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one attempt of one ready node, on the worker's virtual thread: marks it running, calls the model with a
 * deadline, and records the outcome (completed, retrying after a backoff, or failed for good), handing the
 * nodes this makes ready to the queue.
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
  private final GraphEndListener graphEnded;
  private final EngineObserver observer;
  private final EventBus events;

  /** Told when a graph reaches a terminal status through a node's outcome. */
  interface GraphEndListener {
    void graphEnded(String graphId);
  }

  NodeRunner(StateStore store, TaskQueue queue, LlmProvider provider, RunningAttempts running, Backoff backoff,
      ScheduledExecutorService timers, InstantSource clock, String defaultModel, GraphEndListener graphEnded,
      EngineObserver observer, EventBus events) {
    this.store = store;
    this.queue = queue;
    this.provider = provider;
    this.running = running;
    this.backoff = backoff;
    this.timers = timers;
    this.clock = clock;
    this.defaultModel = defaultModel;
    this.graphEnded = graphEnded;
    this.observer = observer;
    this.events = events;
  }

  /** The prepared call, read from the run while it was held. */
  private record Call(int attempt, NodeSpec spec, String traceId, LlmRequest request, ErrorInfo renderError) {}

  void run(TaskQueue.Task task) {
    try (LogContext.Scope graph = LogContext.open(task.graphId(), null, null)) {
      Call call = store.update(task.graphId(), run -> prepare(run, task)).orElse(null);
      if (call != null) {
        try (LogContext.Scope node = LogContext.open(task.graphId(), call.spec.id(), call.traceId)) {
          if (call.renderError != null) {
            fail(task, call.renderError);
          } else {
            attempt(task, call);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "node run failed unexpectedly: graph_id=" + task.graphId() + " node=" + task.node(), e);
      fail(task, new ErrorInfo("internal", "dago could not run this node: " + e.getClass().getSimpleName(), false));
    } finally {
      queue.ack(task);
    }
  }

  private Call prepare(GraphRun run, TaskQueue.Task task) {
    int attempt = run.beginAttempt(task.node(), clock.instant());
    if (attempt == 0) {
      return null;
    }
    NodeSpec spec = run.plan().node(task.node());
    try {
      Template system = run.plan().system(task.node());
      LlmRequest request = new LlmRequest(spec.model() == null ? defaultModel : spec.model(),
          system == null ? null : run.render(system), run.render(run.plan().prompt(task.node())),
          spec.maxTokens(), spec.temperature(), run.id(), spec.id(), run.trace().child().traceparent());
      return new Call(attempt, spec, run.trace().traceId(), request, null);
    } catch (RuntimeException e) {
      return new Call(attempt, spec, run.trace().traceId(), null, new ErrorInfo("template_error",
          "the prompt of node '" + spec.id() + "' could not be rendered: " + e.getMessage(), false));
    }
  }

  private void attempt(TaskQueue.Task task, Call call) {
    Attempt attempt = new Attempt(task.graphId(), task.node(), Thread.currentThread(), System.nanoTime());
    running.add(attempt);
    ScheduledFuture<?> deadline = timers.schedule(() -> attempt.stop(Attempt.Stop.TIMED_OUT),
        call.spec.timeoutSeconds(), TimeUnit.SECONDS);
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
      deadline.cancel(false);
      stopped = attempt.finish();
      running.remove(attempt);
    }
    long nanos = System.nanoTime() - attempt.startedNanos;
    if (response != null) {
      observer.llmCallSucceeded(provider.name(), call.request.model(), nanos, response.usage());
      complete(task, response);
    } else if (stopped == Attempt.Stop.CANCELLED) {
      // The graph ended meanwhile; its state already says what became of this node.
    } else {
      LlmException error = failure;
      if (stopped == Attempt.Stop.TIMED_OUT) {
        error = new LlmException("timeout", "attempt " + call.attempt + " of node '" + call.spec.id()
            + "' did not finish within its timeout_seconds (" + call.spec.timeoutSeconds() + ")", true, 0, null);
      } else if (error == null) {
        error = new LlmException("interrupted", "the call was interrupted", true, 0, null);
      }
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

  private void complete(TaskQueue.Task task, LlmResponse response) {
    int[] ready = store.update(task.graphId(), run -> {
      int[] children = run.completeNode(task.node(), response.text(), response.usage(), response.stopReason(),
          clock.instant());
      return run.status().isTerminal() ? null : children;
    }).orElse(null);
    if (ready == null) {
      graphEnded.graphEnded(task.graphId());
      return;
    }
    long now = System.nanoTime();
    for (int child : ready) {
      queue.offer(new TaskQueue.Task(task.graphId(), child, now));
    }
  }

  private void retryOrFail(TaskQueue.Task task, Call call, LlmException e) {
    ErrorInfo error = new ErrorInfo(e.code(), e.getMessage(), e.retryable());
    if (!e.retryable() || call.attempt >= call.spec.retry().maxAttempts()) {
      fail(task, error);
      return;
    }
    long delayMs = backoff.delayMs(call.spec.retry(), call.attempt, e.retryAfter());
    boolean retrying = store.update(task.graphId(), run -> run.retryNode(task.node(), error, delayMs, clock.instant()))
        .orElse(false);
    if (retrying) {
      observer.retryScheduled(error.code());
      LOG.fine(() -> "retrying attempt " + call.attempt + " in " + delayMs + " ms: " + error.code());
      timers.schedule(() -> queue.offer(new TaskQueue.Task(task.graphId(), task.node(), System.nanoTime())),
          delayMs, TimeUnit.MILLISECONDS);
    }
  }

  private void fail(TaskQueue.Task task, ErrorInfo error) {
    record Outcome(int[] toStop, boolean ended) {}
    Outcome outcome = store.update(task.graphId(), run -> new Outcome(
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
