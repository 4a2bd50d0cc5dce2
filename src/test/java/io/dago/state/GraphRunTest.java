package io.dago.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dago.graph.GraphDocuments;
import io.dago.graph.GraphPlan;
import io.dago.json.Json;
import io.dago.llm.Usage;
import io.dago.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphRunTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final TraceContext TRACE = TraceContext.newTrace();
  private static final String DIAMOND = """
      {"name": "d", "input": {"topic": "tides"}, "nodes": [
        {"id": "a", "prompt": "about {{input.topic}}"},
        {"id": "b", "depends_on": ["a"], "prompt": "b of {{nodes.a.output}}"},
        {"id": "c", "depends_on": ["a"], "prompt": "c"},
        {"id": "d", "depends_on": ["b", "c"], "prompt": "d"}]}""";

  static GraphPlan plan(String json) {
    return GraphDocuments.plan(Json.parseObject(json.getBytes(StandardCharsets.UTF_8)), 10_000);
  }

  private static List<EventType> types(List<Event.Draft> drafts) {
    return drafts.stream().map(Event.Draft::type).toList();
  }

  private static void runToCompletion(GraphRun run, int node) {
    run.beginAttempt(node, T0);
    run.completeNode(node, "out-" + node, new Usage(1, 2), "end_turn", T0);
  }

  @Test
  void aDiamondRunsRootThenBothBranchesThenTheJoinExactlyOnce() {
    GraphRun run = new GraphRun("g1", plan(DIAMOND), TRACE, T0);
    assertEquals(List.of(EventType.GraphSubmitted), types(run.drainEvents()));
    assertArrayEquals(new int[] {0}, run.start(T0));
    assertEquals(GraphStatus.RUNNING, run.status());

    assertEquals(1, run.beginAttempt(0, T0));
    assertArrayEquals(new int[] {1, 2}, run.completeNode(0, "outline", new Usage(3, 4), "end_turn", T0));
    run.beginAttempt(1, T0);
    assertArrayEquals(new int[0], run.completeNode(1, "b", new Usage(1, 1), "end_turn", T0),
        "the join still waits for c");
    run.beginAttempt(2, T0);
    assertArrayEquals(new int[] {3}, run.completeNode(2, "c", new Usage(1, 1), "end_turn", T0));
    runToCompletion(run, 3);

    assertEquals(GraphStatus.COMPLETED, run.status());
    GraphView view = run.view();
    assertEquals(new Usage(6, 8), view.usage());
    assertEquals("outline", view.nodes().get(0).output());
    assertEquals(List.of(EventType.GraphStarted, EventType.NodeStarted, EventType.NodeCompleted,
        EventType.NodeStarted, EventType.NodeCompleted, EventType.NodeStarted, EventType.NodeCompleted,
        EventType.NodeStarted, EventType.NodeCompleted, EventType.GraphCompleted), types(run.drainEvents()));
  }

  @Test
  void promptsRenderFromTheInputAndUpstreamOutputs() {
    GraphRun run = new GraphRun("g1", plan(DIAMOND), TRACE, T0);
    run.start(T0);
    assertEquals("about tides", run.render(run.plan().prompt(0)));
    runToCompletion(run, 0);
    assertEquals("b of out-0", run.render(run.plan().prompt(1)));
  }

  @Test
  void aFinalFailureWithFailGraphCancelsRunningNodesAndSkipsPendingOnes() {
    GraphRun run = new GraphRun("g1", plan(DIAMOND), TRACE, T0);
    run.start(T0);
    runToCompletion(run, 0);
    run.beginAttempt(1, T0);
    run.beginAttempt(2, T0);
    run.drainEvents();

    int[] toStop = run.failNode(1, new ErrorInfo("invalid_request", "bad", false), T0);

    assertArrayEquals(new int[] {2}, toStop);
    assertEquals(GraphStatus.FAILED, run.status());
    GraphView view = run.view();
    assertEquals(NodeStatus.FAILED, view.nodes().get(1).status());
    assertEquals(NodeStatus.CANCELLED, view.nodes().get(2).status());
    assertEquals(NodeStatus.SKIPPED, view.nodes().get(3).status());
    assertEquals("node_failed", view.error().code());
    assertEquals(List.of(EventType.NodeFailed, EventType.NodeCancelled, EventType.NodeSkipped, EventType.GraphFailed),
        types(run.drainEvents()));
  }

  @Test
  void aFinalFailureWithContinueSkipsOnlyDescendantsAndOtherBranchesRunOn() {
    GraphRun run = new GraphRun("g1", plan("""
        {"nodes": [
          {"id": "a", "prompt": "a"},
          {"id": "b", "depends_on": ["a"], "prompt": "b", "on_failure": "continue"},
          {"id": "b2", "depends_on": ["b"], "prompt": "b2"},
          {"id": "c", "depends_on": ["a"], "prompt": "c"}]}"""), TRACE, T0);
    run.start(T0);
    runToCompletion(run, 0);
    run.beginAttempt(1, T0);

    assertArrayEquals(new int[0], run.failNode(1, new ErrorInfo("rate_limited", "429", true), T0));
    assertEquals(GraphStatus.RUNNING, run.status(), "c is still to run");
    assertEquals(NodeStatus.SKIPPED, run.nodeStatus(2));

    runToCompletion(run, 3);
    assertEquals(GraphStatus.FAILED, run.status());
    assertEquals(NodeStatus.COMPLETED, run.nodeStatus(3));
    assertEquals("node_failed", run.view().error().code());
  }

  @Test
  void cancellingStopsEveryUnfinishedNodeAndIgnoresLateResults() {
    GraphRun run = new GraphRun("g1", plan(DIAMOND), TRACE, T0);
    run.start(T0);
    run.beginAttempt(0, T0);
    run.drainEvents();

    assertArrayEquals(new int[] {0}, run.cancel(T0));
    assertEquals(GraphStatus.CANCELLED, run.status());
    assertEquals(List.of(EventType.NodeCancelled, EventType.NodeCancelled, EventType.NodeCancelled,
        EventType.NodeCancelled, EventType.GraphCancelled), types(run.drainEvents()));

    assertArrayEquals(new int[0], run.completeNode(0, "late", Usage.ZERO, "end_turn", T0));
    assertEquals(0, run.beginAttempt(1, T0));
    assertNull(run.view().nodes().get(0).output());
    assertThrows(IllegalStateException.class, () -> run.cancel(T0));
  }

  @Test
  void aGraphTimeoutFailsWithCodeTimeout() {
    GraphRun run = new GraphRun("g1", plan("""
        {"timeout_seconds": 5, "nodes": [{"id": "a", "prompt": "a"}, {"id": "b", "depends_on": ["a"], "prompt": "b"}]}
        """), TRACE, T0);
    run.start(T0);
    run.beginAttempt(0, T0);

    assertArrayEquals(new int[] {0}, run.timeOut(T0));
    assertEquals(GraphStatus.FAILED, run.status());
    assertEquals("timeout", run.view().error().code());
    assertEquals(NodeStatus.SKIPPED, run.nodeStatus(1));
    assertArrayEquals(new int[0], run.timeOut(T0), "a second timeout changes nothing");
  }

  @Test
  void retriesKeepTheNodeRunningAndCountAttempts() {
    GraphRun run = new GraphRun("g1", plan(DIAMOND), TRACE, T0);
    run.start(T0);
    assertEquals(1, run.beginAttempt(0, T0));
    assertEquals(true, run.retryNode(0, new ErrorInfo("overloaded", "529", true), 250, T0));
    assertEquals(NodeStatus.RUNNING, run.nodeStatus(0));
    assertEquals(2, run.beginAttempt(0, T0));
    run.completeNode(0, "ok", Usage.ZERO, "end_turn", T0);
    NodeView a = run.view().nodes().get(0);
    assertEquals(2, a.attempts());
    assertNull(a.error(), "a node that completed shows no error");
  }

  @Test
  void everyIllegalTransitionIsRejected() {
    for (GraphStatus from : GraphStatus.values()) {
      if (from.isTerminal()) {
        for (GraphStatus to : GraphStatus.values()) {
          assertEquals(false, from.canMoveTo(to), from + " -> " + to);
        }
      }
    }
    assertEquals(false, NodeStatus.PENDING.canMoveTo(NodeStatus.COMPLETED));
    assertEquals(false, NodeStatus.SKIPPED.canMoveTo(NodeStatus.RUNNING));
    assertEquals(true, NodeStatus.RUNNING.canMoveTo(NodeStatus.RUNNING));
  }
}
