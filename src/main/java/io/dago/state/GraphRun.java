package io.dago.state;

import io.dago.graph.GraphPlan;
import io.dago.graph.NodeSpec;
import io.dago.graph.OnFailure;
import io.dago.graph.Template;
import io.dago.llm.Usage;
import io.dago.trace.TraceContext;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A graph in execution: its plan, its status and every node's state, and the lifecycle rules that move them.
 *
 * <p>This is the one place where execution semantics live: which node becomes ready when, what a final failure
 * does to the rest of the graph, when the graph ends and with what status. Every method that changes state
 * also records the events it implies; the state store publishes them when the change is committed, so the
 * event log always follows the state in order.
 *
 * <p>Not thread-safe: a {@link io.dago.store.StateStore} serialises all changes to one run.
 */
public final class GraphRun {
  private final String id;
  private final GraphPlan plan;
  private final TraceContext trace;
  private final Instant createdAt;
  private final NodeRun[] nodes;
  private final List<Event.Draft> unpublished = new ArrayList<>();
  private final List<Dispatch> undispatched = new ArrayList<>();
  private final Function<String, String> outputOf;
  private GraphStatus status = GraphStatus.PENDING;
  private Instant startedAt;
  private Instant finishedAt;
  private ErrorInfo error;
  private Usage usage = Usage.ZERO;
  private int finishedNodes;
  private int failedNodes;
  /** While a change is being tried (see {@link #mark()}), what it touched, so that it can be undone. */
  private Journal journal;

  /** {@link #beginAttempt}: the node must not run any more (the graph ended, or the node finished or was cancelled). */
  public static final int NOT_RUNNABLE = 0;
  /** {@link #beginAttempt}: this attempt has already begun; the task was delivered twice. */
  public static final int ALREADY_STARTED = -1;

  /**
   * A node handed to the task queue by a change: attempt {@code attempt} of {@code node}, to start after
   * {@code delayMs}. The state store enqueues dispatches in the same step that commits the change, so a node that
   * became ready is never lost between the two.
   */
  public record Dispatch(int node, int attempt, long delayMs) {}

  /** @param trace where the graph sits in its submitter's trace (or a new trace of its own) */
  public GraphRun(String id, GraphPlan plan, TraceContext trace, Instant createdAt) {
    this.id = id;
    this.plan = plan;
    this.trace = trace;
    this.createdAt = createdAt;
    this.nodes = new NodeRun[plan.size()];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new NodeRun(plan.parents(i).length);
    }
    this.outputOf = nodeId -> {
      int index = plan.indexOf(nodeId);
      return index < 0 ? null : nodes[index].output;
    };
    emit(EventType.GraphSubmitted, null, createdAt,
        EventData.of("name", plan.spec().name(), "nodes", plan.size()));
  }

  /**
   * Rebuilds a run from its stored event log: the state is a fold of the events, applied in order through the same
   * transitions that recorded them (see {@link #apply}).
   */
  public static GraphRun restore(String id, GraphPlan plan, TraceContext trace, Instant createdAt,
      List<Event> events) {
    GraphRun run = new GraphRun(id, plan, trace, createdAt);
    run.unpublished.clear();
    for (Event event : events) {
      run.apply(event);
    }
    return run;
  }

  public String id() {
    return id;
  }

  public GraphPlan plan() {
    return plan;
  }

  public TraceContext trace() {
    return trace;
  }

  public GraphStatus status() {
    return status;
  }

  public Instant createdAt() {
    return createdAt;
  }

  /** When the graph started running, or null before. */
  public Instant startedAt() {
    return startedAt;
  }

  public NodeStatus nodeStatus(int node) {
    return nodes[node].status;
  }

  public int attempts(int node) {
    return nodes[node].attempts;
  }

  /** Hands over the events recorded since the last call, for the store to publish. */
  public List<Event.Draft> drainEvents() {
    if (unpublished.isEmpty()) {
      return List.of();
    }
    List<Event.Draft> drained = List.copyOf(unpublished);
    unpublished.clear();
    return drained;
  }

  /** Hands over the nodes made ready since the last call, for the store to enqueue with the change. */
  public List<Dispatch> drainDispatches() {
    if (undispatched.isEmpty()) {
      return List.of();
    }
    List<Dispatch> drained = List.copyOf(undispatched);
    undispatched.clear();
    return drained;
  }

  /**
   * Starts recording what the next changes touch, so that {@link #rollback} can undo them. A store that commits
   * optimistically marks before a change and rolls back when another instance committed first.
   */
  public void mark() {
    journal = new Journal(status, startedAt, finishedAt, error, usage, finishedNodes, failedNodes);
  }

  /** Forgets the mark: what changed since stays. */
  public void release() {
    journal = null;
  }

  /** Undoes every change since {@link #mark()}, and forgets their events and dispatches. */
  public void rollback() {
    Journal undo = journal;
    if (undo == null) {
      throw new IllegalStateException("rollback without mark");
    }
    status = undo.status;
    startedAt = undo.startedAt;
    finishedAt = undo.finishedAt;
    error = undo.error;
    usage = undo.usage;
    finishedNodes = undo.finishedNodes;
    failedNodes = undo.failedNodes;
    undo.before.forEach((node, before) -> nodes[node] = before);
    unpublished.clear();
    undispatched.clear();
    journal = null;
  }

  /**
   * Applies an event of this graph's log that another instance committed, as if this run had recorded it. Events
   * must come in {@code seq} order, each once. Live-only events change nothing.
   */
  public void apply(Event event) {
    int node = event.nodeId() == null ? -1 : plan.indexOf(event.nodeId());
    Map<String, Object> data = event.data();
    Instant time = event.time();
    switch (event.type()) {
      case GraphSubmitted, NodeDelta -> { }
      case GraphStarted -> graphStarted(time);
      case NodeStarted -> nodeStarted(node, EventData.readInt(data.get("attempt")), time);
      case NodeRetrying -> nodes[touch(node)].error = EventData.readError(data.get("error"));
      case NodeCompleted -> nodeCompleted(node, (String) data.get("output"), EventData.readUsage(data.get("usage")),
          (String) data.get("stop_reason"), Boolean.TRUE.equals(data.get("cached")), time);
      case NodeFailed -> nodeFailed(node, EventData.readError(data.get("error")), time);
      case NodeSkipped -> nodeSkipped(node);
      case NodeCancelled -> nodeCancelled(node, time);
      case GraphCompleted -> graphEnded(GraphStatus.COMPLETED, null, time);
      case GraphFailed -> graphEnded(GraphStatus.FAILED, EventData.readError(data.get("error")), time);
      case GraphCancelled -> graphEnded(GraphStatus.CANCELLED, null, time);
    }
  }

  /**
   * pending -> running.
   *
   * @return the root nodes, now ready to run (each handed out exactly once)
   */
  public int[] start(Instant now) {
    if (!status.canMoveTo(GraphStatus.RUNNING)) {
      throw new IllegalStateException("graph " + id + " cannot move from " + status + " to " + GraphStatus.RUNNING);
    }
    graphStarted(now);
    emit(EventType.GraphStarted, null, now, Map.of());
    int[] roots = plan.roots();
    for (int root : roots) {
      undispatched.add(new Dispatch(root, 1, 0));
    }
    return roots;
  }

  /** Starts the node's next attempt, whatever task asked for it. @see #beginAttempt(int, int, boolean, Instant) */
  public int beginAttempt(int node, Instant now) {
    return beginAttempt(node, nodes[node].attempts + 1, false, now);
  }

  /**
   * Starts the attempt a task was dispatched for.
   *
   * <p>A task can arrive twice. If its attempt has already begun, it is a duplicate and must not run, unless it was
   * <em>redelivered</em> (taken back from a worker that stopped answering) while that very attempt is still the
   * node's latest: then the worker is presumed dead, and this one takes over with a new attempt.
   *
   * @param attempt the attempt the task was dispatched for, from 1
   * @param redelivered whether the queue took the task back from another worker
   * @return the number of the attempt to run, {@link #NOT_RUNNABLE} or {@link #ALREADY_STARTED}
   */
  public int beginAttempt(int node, int attempt, boolean redelivered, Instant now) {
    NodeRun n = nodes[node];
    if (status != GraphStatus.RUNNING || n.status.isTerminal()) {
      return NOT_RUNNABLE;
    }
    boolean takeOver = redelivered && n.status == NodeStatus.RUNNING && n.attempts == attempt;
    if (n.attempts >= attempt && !takeOver) {
      return ALREADY_STARTED;
    }
    int next = n.attempts + 1;
    nodeStarted(node, next, now);
    emit(EventType.NodeStarted, node, now, EventData.of("attempt", next));
    return next;
  }

  /** Renders a node's prompt or system prompt from the input and its parents' outputs. */
  public String render(Template template) {
    return template.render(plan.spec().input(), outputOf);
  }

  /**
   * running -> completed.
   *
   * @return the children that became ready because of this (each handed out exactly once); empty when the node
   *     was no longer running (cancelled meanwhile), in which case nothing changed
   */
  public int[] completeNode(int node, String output, Usage callUsage, String stopReason, Instant now) {
    return completeNode(node, output, callUsage, stopReason, false, now);
  }

  /** @param cached whether the reply came from the reply cache rather than a call */
  public int[] completeNode(int node, String output, Usage callUsage, String stopReason, boolean cached,
      Instant now) {
    NodeRun n = nodes[node];
    if (n.status != NodeStatus.RUNNING || status.isTerminal()) {
      return NO_NODES;
    }
    int[] ready = nodeCompleted(node, output, callUsage, stopReason, cached, now);
    Map<String, Object> data = EventData.of("output", output, "usage", EventData.usage(callUsage),
        "attempts", n.attempts);
    data.put("stop_reason", stopReason);
    if (cached) {
      data.put("cached", true);
    }
    emit(EventType.NodeCompleted, node, now, data);
    finishIfDone(now);
    if (status.isTerminal()) {
      return NO_NODES;
    }
    for (int child : ready) {
      undispatched.add(new Dispatch(child, 1, 0));
    }
    return ready;
  }

  /**
   * Records a retryable failure that will be retried after {@code delayMs}; the node stays running.
   *
   * @return false when the node or graph has ended meanwhile and must not be retried
   */
  public boolean retryNode(int node, ErrorInfo failure, long delayMs, Instant now) {
    NodeRun n = nodes[node];
    if (n.status != NodeStatus.RUNNING || status.isTerminal()) {
      return false;
    }
    nodes[touch(node)].error = failure;
    emit(EventType.NodeRetrying, node, now,
        EventData.of("attempt", n.attempts, "error", EventData.error(failure), "delay_ms", delayMs));
    undispatched.add(new Dispatch(node, n.attempts + 1, delayMs));
    return true;
  }

  /**
   * running -> failed, for good. With {@code fail_graph} the graph fails: running nodes are cancelled and pending
   * ones skipped. With {@code continue} only the node's descendants are skipped.
   *
   * @return the nodes whose running attempts must now be interrupted
   */
  public int[] failNode(int node, ErrorInfo failure, Instant now) {
    NodeRun n = nodes[node];
    if (n.status != NodeStatus.RUNNING || status.isTerminal()) {
      return NO_NODES;
    }
    nodeFailed(node, failure, now);
    emit(EventType.NodeFailed, node, now, EventData.of("error", EventData.error(failure), "attempts", n.attempts));
    NodeSpec spec = plan.node(node);
    if (spec.onFailure() == OnFailure.FAIL_GRAPH) {
      ErrorInfo graphError = new ErrorInfo("node_failed",
          "node '" + spec.id() + "' failed: " + failure.message(), false);
      return endGraph(GraphStatus.FAILED, graphError, "graph failed", now);
    }
    skipDescendants(node, now);
    finishIfDone(now);
    return NO_NODES;
  }

  /**
   * Cancels the graph: running and pending nodes become cancelled.
   *
   * @return the nodes whose running attempts must now be interrupted
   * @throws IllegalStateException when the graph has already finished (check {@link #status()} first)
   */
  public int[] cancel(Instant now) {
    return endGraph(GraphStatus.CANCELLED, null, null, now);
  }

  /**
   * The graph outlived its {@code timeout_seconds}: it fails with code {@code timeout}, running nodes are cancelled,
   * pending ones skipped.
   *
   * @return the nodes whose running attempts must now be interrupted; empty when the graph had already ended
   */
  public int[] timeOut(Instant now) {
    if (status.isTerminal()) {
      return NO_NODES;
    }
    ErrorInfo timeout = new ErrorInfo("timeout",
        "the graph did not finish within its timeout_seconds (" + plan.spec().timeoutSeconds() + ")", false);
    return endGraph(GraphStatus.FAILED, timeout, "graph timed out", now);
  }

  /** A consistent copy for readers; cheap enough to take on every GET. */
  public GraphView view() {
    List<NodeView> nodeViews = new ArrayList<>(nodes.length);
    for (int i = 0; i < nodes.length; i++) {
      NodeRun n = nodes[i];
      NodeSpec spec = plan.node(i);
      nodeViews.add(new NodeView(spec.id(), n.status, spec.dependsOn(), n.attempts, n.output,
          n.status == NodeStatus.COMPLETED ? null : n.error, n.usage, n.stopReason, n.cached, n.startedAt, n.finishedAt));
    }
    return new GraphView(id, plan.spec().name(), status, trace.traceId(), createdAt, startedAt, finishedAt, plan.spec().input(),
        error, usage, nodeViews);
  }

  /** The graph without its nodes, for listings. */
  public GraphView.Summary summary() {
    return new GraphView.Summary(id, plan.spec().name(), status, createdAt, startedAt, finishedAt, error, usage,
        nodes.length);
  }

  /**
   * Ends the graph early. Running nodes become cancelled; pending ones become cancelled when the user cancelled,
   * skipped otherwise (they never ran because something else went wrong).
   */
  private int[] endGraph(GraphStatus end, ErrorInfo graphError, String skipReason, Instant now) {
    if (!status.canMoveTo(end)) {
      throw new IllegalStateException("graph " + id + " cannot move from " + status + " to " + end);
    }
    int[] running = new int[nodes.length];
    int count = 0;
    for (int i = 0; i < nodes.length; i++) {
      NodeStatus was = nodes[i].status;
      if (was == NodeStatus.RUNNING) {
        running[count++] = i;
      }
      if (was == NodeStatus.RUNNING || (was == NodeStatus.PENDING && skipReason == null)) {
        nodeCancelled(i, now);
        emit(EventType.NodeCancelled, i, now, Map.of());
      } else if (was == NodeStatus.PENDING) {
        nodeSkipped(i);
        emit(EventType.NodeSkipped, i, now, EventData.of("reason", skipReason));
      }
    }
    graphEnded(end, graphError, now);
    switch (end) {
      case CANCELLED -> emit(EventType.GraphCancelled, null, now, Map.of());
      case FAILED -> emit(EventType.GraphFailed, null, now, EventData.of("error", EventData.error(graphError)));
      default -> throw new IllegalArgumentException("not an early end: " + end);
    }
    return Arrays.copyOf(running, count);
  }

  /** Skips every pending descendant of a node that failed with {@code on_failure: continue}. Iterative on purpose. */
  private void skipDescendants(int failed, Instant now) {
    String reason = "upstream node '" + plan.node(failed).id() + "' failed";
    ArrayDeque<Integer> todo = new ArrayDeque<>();
    for (int child : plan.children(failed)) {
      todo.add(child);
    }
    while (!todo.isEmpty()) {
      int node = todo.poll();
      NodeRun n = nodes[node];
      if (n.status != NodeStatus.PENDING) {
        continue;
      }
      nodeSkipped(node);
      emit(EventType.NodeSkipped, node, now, EventData.of("reason", reason));
      for (int child : plan.children(node)) {
        todo.add(child);
      }
    }
  }

  private void finishIfDone(Instant now) {
    if (finishedNodes < nodes.length) {
      return;
    }
    if (failedNodes == 0) {
      graphEnded(GraphStatus.COMPLETED, null, now);
      emit(EventType.GraphCompleted, null, now, EventData.of("usage", EventData.usage(usage)));
    } else {
      graphEnded(GraphStatus.FAILED, firstNodeError(), now);
      emit(EventType.GraphFailed, null, now, EventData.of("error", EventData.error(error)));
    }
  }

  // The transitions. Each is the whole effect of one kind of event, shared by the change that records the event
  // and by apply(), which replays it; so a run rebuilt from its log is the run that wrote it.

  private void graphStarted(Instant now) {
    moveTo(GraphStatus.RUNNING);
    startedAt = now;
    for (int root : plan.roots()) {
      nodes[touch(root)].queued = true;
    }
  }

  private void nodeStarted(int node, int attempt, Instant now) {
    NodeRun n = nodes[touch(node)];
    moveTo(n, NodeStatus.RUNNING);
    n.attempts = attempt;
    if (n.startedAt == null) {
      n.startedAt = now;
    }
  }

  /** @return the children this made ready, each marked queued so it is handed out once */
  private int[] nodeCompleted(int node, String output, Usage callUsage, String stopReason, boolean cached,
      Instant now) {
    NodeRun n = nodes[touch(node)];
    moveTo(n, NodeStatus.COMPLETED);
    n.output = output;
    n.usage = callUsage;
    n.stopReason = stopReason;
    n.cached = cached;
    n.finishedAt = now;
    usage = usage.plus(callUsage);
    finishedNodes++;
    int[] children = plan.children(node);
    int[] ready = new int[children.length];
    int count = 0;
    for (int child : children) {
      NodeRun c = nodes[touch(child)];
      if (--c.waitingOn == 0 && c.status == NodeStatus.PENDING && !c.queued) {
        c.queued = true;
        ready[count++] = child;
      }
    }
    return count == ready.length ? ready : Arrays.copyOf(ready, count);
  }

  private void nodeFailed(int node, ErrorInfo failure, Instant now) {
    NodeRun n = nodes[touch(node)];
    moveTo(n, NodeStatus.FAILED);
    n.error = failure;
    n.finishedAt = now;
    failedNodes++;
    // Counts for on_failure: continue; a failure that fails the graph ends it, which counts every node anyway.
    finishedNodes++;
  }

  private void nodeSkipped(int node) {
    moveTo(nodes[touch(node)], NodeStatus.SKIPPED);
    finishedNodes++;
  }

  private void nodeCancelled(int node, Instant now) {
    NodeRun n = nodes[touch(node)];
    if (n.status == NodeStatus.RUNNING) {
      n.finishedAt = now;
    }
    moveTo(n, NodeStatus.CANCELLED);
  }

  private void graphEnded(GraphStatus end, ErrorInfo graphError, Instant now) {
    moveTo(end);
    finishedNodes = nodes.length;
    error = graphError;
    finishedAt = now;
  }

  /** Saves a node's state in the journal before its first change since {@link #mark()}; returns the node. */
  private int touch(int node) {
    if (journal != null) {
      journal.before.putIfAbsent(node, nodes[node].copy());
    }
    return node;
  }

  /** The graph's own fields as they were at {@link #mark()}, and each touched node's state before its change. */
  private static final class Journal {
    final GraphStatus status;
    final Instant startedAt;
    final Instant finishedAt;
    final ErrorInfo error;
    final Usage usage;
    final int finishedNodes;
    final int failedNodes;
    final Map<Integer, NodeRun> before = new HashMap<>();

    Journal(GraphStatus status, Instant startedAt, Instant finishedAt, ErrorInfo error, Usage usage,
        int finishedNodes, int failedNodes) {
      this.status = status;
      this.startedAt = startedAt;
      this.finishedAt = finishedAt;
      this.error = error;
      this.usage = usage;
      this.finishedNodes = finishedNodes;
      this.failedNodes = failedNodes;
    }
  }

  private ErrorInfo firstNodeError() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i].status == NodeStatus.FAILED) {
        String more = failedNodes > 1 ? " (and " + (failedNodes - 1) + " more failed nodes)" : "";
        return new ErrorInfo("node_failed",
            "node '" + plan.node(i).id() + "' failed: " + nodes[i].error.message() + more, false);
      }
    }
    throw new IllegalStateException("no failed node in graph " + id);
  }

  private void moveTo(GraphStatus next) {
    if (!status.canMoveTo(next)) {
      throw new IllegalStateException("graph " + id + " cannot move from " + status + " to " + next);
    }
    status = next;
  }

  private void moveTo(NodeRun node, NodeStatus next) {
    if (!node.status.canMoveTo(next)) {
      throw new IllegalStateException("a node of graph " + id + " cannot move from " + node.status + " to " + next);
    }
    node.status = next;
  }

  private void emit(EventType type, Integer node, Instant time, Map<String, Object> data) {
    unpublished.add(new Event.Draft(type, node == null ? null : plan.node(node).id(), trace.traceId(), time, data));
  }

  private static final int[] NO_NODES = new int[0];
}
