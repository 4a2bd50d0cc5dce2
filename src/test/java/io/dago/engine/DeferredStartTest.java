package io.dago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.json.Json;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import io.dago.state.Event;
import io.dago.state.EventType;
import io.dago.state.GraphPage;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.state.NodeView;
import io.dago.state.NodeStatus;
import io.dago.store.StateStore;
import io.dago.store.TaskQueue;
import io.dago.store.memory.InMemoryEventBus;
import io.dago.store.memory.InMemoryStateStore;
import io.dago.store.memory.InMemoryTaskQueue;
import io.dago.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node's start is stored with its outcome when the call is quick, and on its own by a timer when it is not
 * (see {@link DeferredStart}).
 */
class DeferredStartTest {
  private final OrchestratorTest.ScriptedProvider provider = new OrchestratorTest.ScriptedProvider();
  private final AtomicInteger changes = new AtomicInteger();
  private Orchestrator orchestrator;

  private void start() {
    InMemoryEventBus events = new InMemoryEventBus();
    InMemoryTaskQueue queue = new InMemoryTaskQueue();
    orchestrator = new Orchestrator(new CountingStore(new InMemoryStateStore(events, queue), changes), events, queue,
        provider, new Orchestrator.Settings(2, "claude-test", 10_000), InstantSource.system(), new SplittableRandom(5));
  }

  @AfterEach
  void stop() {
    if (orchestrator != null) {
      orchestrator.shutdownNow();
    }
  }

  private GraphView submit(String json) {
    return orchestrator.submit(Json.parseObject(json.getBytes(StandardCharsets.UTF_8)), null);
  }

  @Test
  void aQuickCallsStartIsStoredTogetherWithItsOutcome() throws Exception {
    start();
    GraphView graph = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}]}");

    GraphView done = orchestrator.await(graph.id(), Duration.ofSeconds(10));

    assertEquals(GraphStatus.COMPLETED, done.status());
    assertEquals(1, changes.get(), "one stored change for the start, the output and the graph's end");
    List<EventType> types = orchestrator.events(graph.id(), 0).stream().map(Event::type).toList();
    assertEquals(List.of(EventType.GraphSubmitted, EventType.GraphStarted, EventType.NodeStarted,
        EventType.NodeCompleted, EventType.GraphCompleted), types);
    NodeView node = done.nodes().get(0);
    assertFalse(node.startedAt().isAfter(node.finishedAt()), "started when the call began: " + node);
  }

  @Test
  void aSlowCallsStartIsStoredWhileTheCallRuns() throws Exception {
    start();
    CountDownLatch release = new CountDownLatch(1);
    provider.behaviour = (request, call) -> {
      release.await();
      return new LlmResponse("done", Usage.ZERO, "end_turn");
    };
    GraphView graph = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}]}");

    Await.await("the node shows running", Duration.ofSeconds(5),
        () -> orchestrator.get(graph.id()).nodes().get(0).status() == NodeStatus.RUNNING);
    assertEquals(1, provider.inFlight.get(), "the call is still going on");
    assertEquals(1, orchestrator.events(graph.id(), 0).stream().filter(e -> e.type() == EventType.NodeStarted)
        .count());
    release.countDown();

    GraphView done = orchestrator.await(graph.id(), Duration.ofSeconds(10));
    assertEquals(GraphStatus.COMPLETED, done.status());
    assertEquals(2, changes.get(), "the start alone, then the outcome");
    assertEquals(1, orchestrator.events(graph.id(), 0).stream().filter(e -> e.type() == EventType.NodeStarted)
        .count(), "started once");
  }

  @Test
  void cancellingAGraphStopsACallWhetherItsStartIsStoredOrNot() throws Exception {
    start();
    provider.behaviour = (request, call) -> {
      Thread.sleep(60_000);
      return new LlmResponse("never", Usage.ZERO, "end_turn");
    };
    GraphView graph = submit("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}, {\"id\": \"b\", \"prompt\": \"ho\"}]}");
    Await.await("both calls began", Duration.ofSeconds(5), () -> provider.inFlight.get() == 2);

    orchestrator.cancel(graph.id());

    Await.await("both calls were stopped", Duration.ofSeconds(5), () -> provider.interrupted.get() == 2);
    Await.await("the workers are free again", Duration.ofSeconds(5), () -> orchestrator.workerLoad().busy() == 0);
    GraphView cancelled = orchestrator.get(graph.id());
    assertEquals(GraphStatus.CANCELLED, cancelled.status());
    cancelled.nodes().forEach(node -> assertEquals(NodeStatus.CANCELLED, node.status(), node.id()));
  }

  /** The timer and the worker each claim the start once, and the worker waits while the timer stores it. */
  @Test
  void theStartIsStoredByTheSweepOrWithTheOutcome_neverBoth() throws Exception {
    long t0 = System.nanoTime();
    DeferredStart early = new DeferredStart("g", 0, 1, Instant.EPOCH, t0);
    assertFalse(early.claimForPublishing(t0 + 1_000_000), "not due yet");
    assertEquals(DeferredStart.Outcome.MERGE, early.claimForOutcome());
    assertFalse(early.claimForPublishing(t0 + 1_000_000_000L), "the worker has it");

    DeferredStart late = new DeferredStart("g", 0, 1, Instant.EPOCH, t0);
    assertTrue(late.claimForPublishing(t0 + DeferredStart.DELAY_MILLIS * 1_000_000));
    assertFalse(late.claimForPublishing(t0 + 1_000_000_000L), "claimed once");
    try (ExecutorService worker = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<DeferredStart.Outcome> outcome = worker.submit(late::claimForOutcome);
      Thread.sleep(50);
      assertFalse(outcome.isDone(), "the worker waits while the timer stores the start");
      late.published(true);
      assertEquals(DeferredStart.Outcome.ALONE, outcome.get(5, TimeUnit.SECONDS));
    }

    DeferredStart refused = new DeferredStart("g", 0, 1, Instant.EPOCH, t0);
    assertTrue(refused.claimForPublishing(t0 + 1_000_000_000L));
    refused.published(false);
    assertEquals(DeferredStart.Outcome.DROP, refused.claimForOutcome());

    DeferredStart unreachable = new DeferredStart("g", 0, 1, Instant.EPOCH, t0);
    assertTrue(unreachable.claimForPublishing(t0 + 1_000_000_000L));
    unreachable.publishFailed();
    assertFalse(unreachable.claimForPublishing(t0 + 2_000_000_000L), "the timer does not try again");
    assertEquals(DeferredStart.Outcome.MERGE, unreachable.claimForOutcome());
  }

  @Test
  void theTimerPublishesTheStartsStillPendingOnceDue_andNoneAWorkerTook() throws Exception {
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    try {
      LinkedBlockingQueue<DeferredStart> published = new LinkedBlockingQueue<>();
      DeferredStarts starts = new DeferredStarts(timers, published::add);
      DeferredStart quick = new DeferredStart("g", 0, 1, Instant.EPOCH, System.nanoTime());
      DeferredStart slow = new DeferredStart("g", 1, 1, Instant.EPOCH, System.nanoTime());
      starts.add(quick);
      starts.add(slow);
      assertEquals(DeferredStart.Outcome.MERGE, quick.claimForOutcome(), "the quick call's worker took its start");

      DeferredStart first = published.poll(5, TimeUnit.SECONDS);

      assertEquals(slow, first);
      assertFalse(slow.pending());
      assertNull(published.poll(50, TimeUnit.MILLISECONDS), "nothing else");
      DeferredStart later = new DeferredStart("g", 2, 1, Instant.EPOCH, System.nanoTime());
      starts.add(later);
      assertEquals(later, published.poll(5, TimeUnit.SECONDS), "the timer arms again for starts added later");
    } finally {
      timers.shutdownNow();
    }
  }

  /** Counts the changes stored through it. */
  private record CountingStore(StateStore store, AtomicInteger changes) implements StateStore {
    @Override
    public Created create(GraphRun run, Map<String, Object> document, String idempotencyKey, String fingerprint) {
      return store.create(run, document, idempotencyKey, fingerprint);
    }

    @Override
    public <T> Optional<T> update(String graphId, TaskQueue.Task done, Function<GraphRun, T> mutation) {
      changes.incrementAndGet();
      return store.update(graphId, done, mutation);
    }

    @Override
    public <T> Optional<T> latest(String graphId, Function<GraphRun, T> reading) {
      return store.latest(graphId, reading);
    }

    @Override
    public <T> Optional<T> inspect(String graphId, Function<GraphRun, T> reading) {
      return store.inspect(graphId, reading);
    }

    @Override
    public Optional<GraphStatus> statusSeen(String graphId) {
      return store.statusSeen(graphId);
    }

    @Override
    public GraphPage list(GraphStatus status, int limit, String cursor) {
      return store.list(status, limit, cursor);
    }
  }
}
