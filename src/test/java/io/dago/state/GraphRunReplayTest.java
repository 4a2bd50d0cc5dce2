package io.dago.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.graph.GraphDocuments;
import io.dago.graph.GraphPlan;
import io.dago.json.Json;
import io.dago.llm.Usage;
import io.dago.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A run rebuilt from its event log is the run that wrote it, and a change rolled back leaves no trace: checked over
 * random graphs driven through random schedules (completions, retries, failures of both kinds, cancellation and
 * timeouts), with every event passed through JSON as a remote store would keep it.
 */
class GraphRunReplayTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aRunRebuiltFromItsLogEqualsTheRunAfterEveryChange() {
    for (int seed = 0; seed < 300; seed++) {
      Schedule schedule = new Schedule(seed);
      while (schedule.step()) {
        GraphRun rebuilt = GraphRun.restore(schedule.run.id(), schedule.run.plan(), schedule.run.trace(), T0,
            schedule.log);
        assertEquals(schedule.run.view(), rebuilt.view(), "seed " + seed + " after " + schedule.log.size() + " events");
      }
      assertTrue(schedule.run.status().isTerminal(), "seed " + seed + " ends");
    }
  }

  @Test
  void aRolledBackChangeLeavesTheRunAsItWasAndRecordsNothing() {
    for (int seed = 0; seed < 300; seed++) {
      Schedule schedule = new Schedule(seed);
      while (!schedule.run.status().isTerminal()) {
        GraphView before = schedule.run.view();
        int logged = schedule.log.size();
        schedule.run.mark();
        schedule.tryStep();
        schedule.run.rollback();
        assertEquals(before, schedule.run.view(), "seed " + seed);
        assertEquals(List.of(), schedule.run.drainEvents());
        assertEquals(List.of(), schedule.run.drainDispatches());
        assertEquals(logged, schedule.log.size());
        schedule.step();
      }
    }
  }

  @Test
  void aDuplicateTaskIsRefusedAndATakeOverStartsTheNextAttempt() {
    GraphRun run = new GraphRun("g", plan(1, new Random(1)), TraceContext.newTrace(), T0);
    run.start(T0);
    assertEquals(1, run.beginAttempt(0, 1, false, T0));
    assertEquals(GraphRun.ALREADY_STARTED, run.beginAttempt(0, 1, false, T0), "the same task delivered twice");
    assertEquals(2, run.beginAttempt(0, 1, true, T0), "taken back from a silent worker: a new attempt");
    assertEquals(GraphRun.ALREADY_STARTED, run.beginAttempt(0, 1, true, T0),
        "a second take-over of an attempt that is no longer the latest");
    run.completeNode(0, "x", new Usage(1, 1), "end_turn", T0);
    assertEquals(GraphRun.NOT_RUNNABLE, run.beginAttempt(0, 3, false, T0));
  }

  /** Drives one random graph to its end, one random change at a time. */
  private static final class Schedule {
    final Random random;
    final GraphRun run;
    final List<Event> log = new ArrayList<>();
    final List<GraphRun.Dispatch> ready = new ArrayList<>();
    final List<Integer> running = new ArrayList<>();
    Instant now = T0;

    Schedule(int seed) {
      random = new Random(seed);
      run = new GraphRun("g" + seed, plan(1 + random.nextInt(12), random), TraceContext.newTrace(), T0);
      record();
      run.start(now);
      record();
    }

    /** One change, recorded; false when the graph has ended. */
    boolean step() {
      if (run.status().isTerminal()) {
        return false;
      }
      tryStep();
      record();
      return true;
    }

    void tryStep() {
      now = now.plusMillis(1 + random.nextInt(1000));
      int dice = random.nextInt(100);
      if (dice < 2) {
        run.cancel(now);
      } else if (dice < 4) {
        run.timeOut(now);
      } else if (!ready.isEmpty() && (running.isEmpty() || dice < 50)) {
        GraphRun.Dispatch task = ready.remove(random.nextInt(ready.size()));
        if (run.beginAttempt(task.node(), task.attempt(), random.nextInt(10) == 0, now) > 0) {
          running.add(task.node());
        }
      } else if (!running.isEmpty()) {
        int node = running.remove(random.nextInt(running.size()));
        int outcome = random.nextInt(10);
        if (outcome < 6) {
          run.completeNode(node, "out " + node + " at " + now, new Usage(random.nextInt(50), random.nextInt(50)),
              "end_turn", random.nextBoolean(), now);
        } else if (outcome < 8) {
          run.retryNode(node, new ErrorInfo("rate_limited", "slow down", true), random.nextInt(5000), now);
        } else {
          run.failNode(node, new ErrorInfo("invalid_request", "no " + node, false), now);
        }
      } else {
        run.cancel(now);
      }
    }

    /** Stores what the last change recorded, as a remote store would: through JSON. */
    void record() {
      for (Event.Draft draft : run.drainEvents()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) Json.parse(Json.write(draft.data()));
        log.add(new Event(log.size() + 1, draft.type(), run.id(), draft.nodeId(), draft.traceId(), draft.time(),
            data));
      }
      ready.addAll(run.drainDispatches());
    }
  }

  /** A random DAG: each node depends on a random subset of the earlier ones, failing the graph or not. */
  static GraphPlan plan(int size, Random random) {
    List<Object> nodes = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("id", "n" + i);
      List<String> parents = new ArrayList<>();
      for (int p = 0; p < i; p++) {
        if (random.nextInt(3) == 0) {
          parents.add("n" + p);
        }
      }
      node.put("depends_on", parents);
      node.put("prompt", "p" + i);
      node.put("on_failure", random.nextBoolean() ? "continue" : "fail_graph");
      nodes.add(node);
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("name", "random");
    document.put("nodes", nodes);
    document.put("timeout_seconds", 60);
    return GraphDocuments.plan(Json.parseObject(Json.write(document)), 10_000);
  }

  static GraphPlan plan(String json) {
    return GraphDocuments.plan(Json.parseObject(json.getBytes(StandardCharsets.UTF_8)), 10_000);
  }
}
