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
  private final Function<String, String> outputOf;
  private GraphStatus status = GraphStatus.PENDING;
  private Instant startedAt;
  private Instant finishedAt;
  private ErrorInfo error;
  private Usage usage = Usage.ZERO;
  private int finishedNodes;
  private int failedNodes;

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

  /**
   * pending -> running.
   *
   * @return the root nodes, now ready to run (each handed out exactly once)
   */
  public int[] start(Instant now) {
    moveTo(GraphStatus.RUNNING);
    startedAt = now;
    emit(EventType.GraphStarted, null, now, Map.of());
    int[] roots = plan.roots();
    for (int root : roots) {
      nodes[root].queued = true;
    }
    return roots;
  }

  /**
   * Starts an attempt of a ready node (or the next attempt of a retrying one).
   *
   * @return the attempt's number from 1, or 0 when the node must not run any more (the graph ended or the node
   *     was cancelled while it waited)
   */
  public int beginAttempt(int node, Instant now) {
    NodeRun n = nodes[node];
    if (status != GraphStatus.RUNNING || n.status.isTerminal()) {
      return 0;
    }
    moveTo(n, NodeStatus.RUNNING);
    n.attempts++;
    if (n.startedAt == null) {
      n.startedAt = now;
    }
    emit(EventType.NodeStarted, node, now, EventData.of("attempt", n.attempts));
    return n.attempts;
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
    NodeRun n = nodes[node];
    if (n.status != NodeStatus.RUNNING || status.isTerminal()) {
      return NO_NODES;
    }
    moveTo(n, NodeStatus.COMPLETED);
    n.output = output;
    n.usage = callUsage;
    n.stopReason = stopReason;
    n.finishedAt = now;
    usage = usage.plus(callUsage);
    Map<String, Object> data = EventData.of("output", output, "usage", EventData.usage(callUsage),
        "attempts", n.attempts);
    data.put("stop_reason", stopReason);
    emit(EventType.NodeCompleted, node, now, data);
    nodeFinished(now);
    if (status.isTerminal()) {
      return NO_NODES;
    }
    int[] children = plan.children(node);
    int[] ready = new int[children.length];
    int count = 0;
    for (int child : children) {
      NodeRun c = nodes[child];
      if (--c.waitingOn == 0 && c.status == NodeStatus.PENDING && !c.queued) {
        c.queued = true;
        ready[count++] = child;
      }
    }
    return count == ready.length ? ready : Arrays.copyOf(ready, count);
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
    n.error = failure;
    emit(EventType.NodeRetrying, node, now,
        EventData.of("attempt", n.attempts, "error", EventData.error(failure), "delay_ms", delayMs));
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
    moveTo(n, NodeStatus.FAILED);
    n.error = failure;
    n.finishedAt = now;
    failedNodes++;
    emit(EventType.NodeFailed, node, now, EventData.of("error", EventData.error(failure), "attempts", n.attempts));
    NodeSpec spec = plan.node(node);
    if (spec.onFailure() == OnFailure.FAIL_GRAPH) {
      ErrorInfo graphError = new ErrorInfo("node_failed",
          "node '" + spec.id() + "' failed: " + failure.message(), false);
      return endGraph(GraphStatus.FAILED, graphError, "graph failed", now);
    }
    finishedNodes++;
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
          n.status == NodeStatus.COMPLETED ? null : n.error, n.usage, n.stopReason, n.startedAt, n.finishedAt));
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
    moveTo(end);
    int[] running = new int[nodes.length];
    int count = 0;
    for (int i = 0; i < nodes.length; i++) {
      NodeRun n = nodes[i];
      if (n.status == NodeStatus.RUNNING) {
        running[count++] = i;
        n.finishedAt = now;
        moveTo(n, NodeStatus.CANCELLED);
        emit(EventType.NodeCancelled, i, now, Map.of());
      } else if (n.status == NodeStatus.PENDING) {
        if (skipReason == null) {
          moveTo(n, NodeStatus.CANCELLED);
          emit(EventType.NodeCancelled, i, now, Map.of());
        } else {
          moveTo(n, NodeStatus.SKIPPED);
          emit(EventType.NodeSkipped, i, now, EventData.of("reason", skipReason));
        }
      }
    }
    finishedNodes = nodes.length;
    error = graphError;
    finishedAt = now;
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
      moveTo(n, NodeStatus.SKIPPED);
      finishedNodes++;
      emit(EventType.NodeSkipped, node, now, EventData.of("reason", reason));
      for (int child : plan.children(node)) {
        todo.add(child);
      }
    }
  }

  private void nodeFinished(Instant now) {
    finishedNodes++;
    finishIfDone(now);
  }

  private void finishIfDone(Instant now) {
    if (finishedNodes < nodes.length) {
      return;
    }
    finishedAt = now;
    if (failedNodes == 0) {
      moveTo(GraphStatus.COMPLETED);
      emit(EventType.GraphCompleted, null, now, EventData.of("usage", EventData.usage(usage)));
    } else {
      moveTo(GraphStatus.FAILED);
      error = firstNodeError();
      emit(EventType.GraphFailed, null, now, EventData.of("error", EventData.error(error)));
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
