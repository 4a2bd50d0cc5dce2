package io.dago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.json.Json;
import io.dago.llm.LlmException;
import io.dago.llm.LlmProvider;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import io.dago.log.LogContext;
import io.dago.state.Event;
import io.dago.state.EventType;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.state.NodeStatus;
import io.dago.store.memory.InMemoryEventBus;
import io.dago.store.memory.InMemoryStateStore;
import io.dago.store.memory.InMemoryTaskQueue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrchestratorTest {
  private Orchestrator orchestrator;

  /** A provider whose behaviour each test scripts, and which records what happened to its calls. */
  static final class ScriptedProvider implements LlmProvider {
    interface Behaviour {
      LlmResponse answer(LlmRequest request, int call) throws LlmException, InterruptedException;
    }

    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger interrupted = new AtomicInteger();
    final ConcurrentLinkedQueue<LlmRequest> requests = new ConcurrentLinkedQueue<>();
    volatile Behaviour behaviour = (request, call) -> new LlmResponse("re: " + request.prompt(), new Usage(2, 3), "end_turn");

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public LlmResponse complete(LlmRequest request) throws LlmException, InterruptedException {
      requests.add(request);
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      try {
        return behaviour.answer(request, calls.incrementAndGet());
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        throw e;
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  private final ScriptedProvider provider = new ScriptedProvider();

  private Orchestrator start(int workers) {
    InMemoryEventBus events = new InMemoryEventBus();
    InMemoryTaskQueue queue = new InMemoryTaskQueue();
    orchestrator = new Orchestrator(new InMemoryStateStore(events, queue), events, queue, provider,
        new Orchestrator.Settings(workers, "claude-test", 10_000), InstantSource.system(), new SplittableRandom(3));
    return orchestrator;
  }

  @AfterEach
  void stop() {
    if (orchestrator != null) {
      orchestrator.shutdownNow();
    }
  }

  private static Map<String, Object> doc(String json) {
    return Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
  }

  private GraphView runToEnd(String json) throws InterruptedException {
    GraphView submitted = orchestrator.submit(doc(json), null);
    GraphView done = orchestrator.await(submitted.id(), Duration.ofSeconds(20));
    assertTrue(done.status().isTerminal(), "graph did not finish: " + done.status());
    return done;
  }

  private static final String DIAMOND = """
      {"input": {"topic": "tides"}, "nodes": [
        {"id": "a", "prompt": "about {{input.topic}}", "system": "be brief"},
        {"id": "b", "depends_on": ["a"], "prompt": "b of {{nodes.a.output}}", "model": "claude-other"},
        {"id": "c", "depends_on": ["a"], "prompt": "c"},
        {"id": "d", "depends_on": ["b", "c"], "prompt": "{{nodes.b.output}} + {{nodes.c.output}}"}]}""";

  @Test
  void aDiamondCompletesWithRenderedPromptsSummedUsageAndAGaplessEventLog() throws Exception {
    start(4);
    GraphView done = runToEnd(DIAMOND);

    assertEquals(GraphStatus.COMPLETED, done.status());
    assertEquals(new Usage(8, 12), done.usage());
    assertEquals("re: re: b of re: about tides + re: c", done.nodes().get(3).output());
    LlmRequest first = provider.requests.stream().filter(r -> r.nodeId().equals("a")).findFirst().orElseThrow();
    assertEquals("claude-test", first.model(), "the default model applies");
    assertEquals("be brief", first.system());
    assertTrue(provider.requests.stream().anyMatch(r -> r.model().equals("claude-other")));

    List<Event> events = orchestrator.events(done.id(), 0);
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).seq());
    }
    assertEquals(EventType.GraphSubmitted, events.get(0).type());
    assertEquals(EventType.GraphCompleted, events.get(events.size() - 1).type());
    assertEquals(2 + 4 * 2 + 1, events.size());
    assertEquals(List.of(), orchestrator.events(done.id(), events.size()));
  }

  @Test
  void retryableFailuresAreRetriedWithBackoffAndHonourRetryAfter() throws Exception {
    start(2);
    provider.behaviour = (request, call) -> {
      if (call == 1) {
        throw new LlmException("rate_limited", "anthropic 429", true, 429, Duration.ofMillis(300));
      }
      if (call == 2) {
        throw new LlmException("overloaded", "anthropic 529", true, 529, null);
      }
      return new LlmResponse("fine", Usage.ZERO, "end_turn");
    };
    GraphView done = runToEnd("""
        {"nodes": [{"id": "a", "prompt": "p", "retry": {"max_attempts": 4, "initial_backoff_ms": 10, "max_backoff_ms": 20}}]}
        """);

    assertEquals(GraphStatus.COMPLETED, done.status());
    assertEquals(3, done.nodes().get(0).attempts());
    List<Event> retries = orchestrator.events(done.id(), 0).stream()
        .filter(e -> e.type() == EventType.NodeRetrying).toList();
    assertEquals(2, retries.size());
    assertTrue(((Number) retries.get(0).data().get("delay_ms")).longValue() >= 300, "retry-after is honoured");
    assertTrue(((Number) retries.get(1).data().get("delay_ms")).longValue() <= 20, "backoff is capped");
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) retries.get(0).data().get("error");
    assertEquals("rate_limited", error.get("code"));
  }

  @Test
  void aNonRetryableFailureFailsTheNodeAtOnce() throws Exception {
    start(2);
    provider.behaviour = (request, call) -> {
      throw new LlmException("authentication_failed", "check LLM_API_KEY", false, 401, null);
    };
    GraphView done = runToEnd(DIAMOND);

    assertEquals(GraphStatus.FAILED, done.status());
    assertEquals(1, provider.calls.get());
    assertEquals(1, done.nodes().get(0).attempts());
    assertEquals("authentication_failed", done.nodes().get(0).error().code());
    assertEquals(NodeStatus.SKIPPED, done.nodes().get(3).status());
    assertTrue(done.error().message().contains("check LLM_API_KEY"));
  }

  @Test
  void logLinesAboutANodeCarryItsGraphNodeAndTrace() throws Exception {
    start(2);
    provider.behaviour = (request, call) -> {
      throw new LlmException("invalid_request", "anthropic 400", false, 400, null);
    };
    List<LogContext.Fields> contexts = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        messages.add(record.getMessage());
        contexts.add(LogContext.current());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger engine = Logger.getLogger("io.dago.engine");
    engine.addHandler(capture);
    try {
      GraphView done = orchestrator.await(orchestrator.submit(doc("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}]}"),
          null, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").id(), Duration.ofSeconds(10));
      assertEquals(GraphStatus.FAILED, done.status());
      // The worker logs the failure after storing it, so the line may come just after the graph is seen failed.
      long giveUp = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (messages.stream().noneMatch(m -> m.startsWith("node failed")) && System.nanoTime() < giveUp) {
        Thread.sleep(5);
      }
    } finally {
      engine.removeHandler(capture);
    }
    int failed = messages.indexOf(messages.stream().filter(m -> m.startsWith("node failed")).findFirst().orElseThrow());
    assertEquals(new LogContext.Fields(orchestrator.list(null, 1, null).graphs().get(0).id(), "a",
        "4bf92f3577b34da6a3ce929d0e0e4736"), contexts.get(failed));
  }

  @Test
  void retriesStopAtMaxAttempts() throws Exception {
    start(2);
    provider.behaviour = (request, call) -> {
      throw new LlmException("api_error", "anthropic 500", true, 500, null);
    };
    GraphView done = runToEnd("""
        {"nodes": [{"id": "a", "prompt": "p", "retry": {"max_attempts": 3, "initial_backoff_ms": 1, "max_backoff_ms": 5}}]}
        """);
    assertEquals(GraphStatus.FAILED, done.status());
    assertEquals(3, provider.calls.get());
    assertEquals(3, done.nodes().get(0).attempts());
  }

  @Test
  void anAttemptThatOutlivesItsTimeoutIsInterruptedAndRecordedAsTimeout() throws Exception {
    start(2);
    provider.behaviour = (request, call) -> {
      Thread.sleep(Long.MAX_VALUE);
      return null;
    };
    long started = System.nanoTime();
    GraphView done = runToEnd("""
        {"nodes": [{"id": "a", "prompt": "p", "timeout_seconds": 1, "retry": {"max_attempts": 1}}]}
        """);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertEquals(GraphStatus.FAILED, done.status());
    assertEquals("timeout", done.nodes().get(0).error().code());
    assertEquals(1, provider.interrupted.get(), "the hung call was interrupted");
    assertTrue(tookMs < 3_000, "took " + tookMs + " ms");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (busyWorkers() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(0, busyWorkers(), "the hung call no longer holds a worker");
  }

  private int busyWorkers() {
    return ((Number) orchestrator.health().components().get("workers").get("busy")).intValue();
  }

  @Test
  void cancellingAbortsRunningCallsWithinASecond() throws Exception {
    start(4);
    CountDownLatch calling = new CountDownLatch(2);
    provider.behaviour = (request, call) -> {
      calling.countDown();
      Thread.sleep(Long.MAX_VALUE);
      return null;
    };
    GraphView submitted = orchestrator.submit(doc("""
        {"nodes": [{"id": "a", "prompt": "a"}, {"id": "b", "prompt": "b"}, {"id": "c", "depends_on": ["a"], "prompt": "c"}]}
        """), null);
    assertTrue(calling.await(5, TimeUnit.SECONDS));

    long started = System.nanoTime();
    GraphView cancelled = orchestrator.cancel(submitted.id());
    assertEquals(GraphStatus.CANCELLED, cancelled.status());
    while (provider.interrupted.get() < 2 && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1)) {
      Thread.sleep(5);
    }
    assertEquals(2, provider.interrupted.get(), "both running calls were aborted within a second");
    GraphView after = orchestrator.get(submitted.id());
    after.nodes().forEach(n -> assertEquals(NodeStatus.CANCELLED, n.status(), n.id()));
    GraphFinishedException again = assertThrows(GraphFinishedException.class, () -> orchestrator.cancel(submitted.id()));
    assertEquals(GraphStatus.CANCELLED, again.status());
  }

  @Test
  void noMoreCallsRunAtOnceThanThePoolHasWorkers() throws Exception {
    start(3);
    provider.behaviour = (request, call) -> {
      Thread.sleep(20);
      return new LlmResponse("x", Usage.ZERO, "end_turn");
    };
    StringBuilder nodes = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      nodes.append(i == 0 ? "" : ",").append("{\"id\": \"n").append(i).append("\", \"prompt\": \"p\"}");
    }
    GraphView done = runToEnd("{\"nodes\": [" + nodes + "]}");
    assertEquals(GraphStatus.COMPLETED, done.status());
    assertEquals(3, provider.maxInFlight.get());
  }

  @Test
  void whenEveryWorkerIsBusyAndNodesWaitTheQueueDepthIsLogged() throws Exception {
    start(1);
    CountDownLatch release = new CountDownLatch(1);
    provider.behaviour = (request, call) -> {
      release.await();
      return new LlmResponse("x", Usage.ZERO, "end_turn");
    };
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel() == java.util.logging.Level.WARNING) {
          warnings.add(record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger pool = Logger.getLogger(WorkerPool.class.getName());
    pool.addHandler(capture);
    try {
      String id = orchestrator.submit(doc("""
          {"nodes": [{"id": "a", "prompt": "p"}, {"id": "b", "prompt": "p"}, {"id": "c", "prompt": "p"}]}"""),
          null).id();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (warnings.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      release.countDown();
      assertEquals(GraphStatus.COMPLETED, orchestrator.await(id, Duration.ofSeconds(10)).status());
    } finally {
      pool.removeHandler(capture);
    }
    assertEquals(1, warnings.size(), "logged once, not for every node: " + warnings);
    assertTrue(warnings.get(0).matches("All workers busy: 1 of 1 running, [12] nodes waiting .*"), warnings.get(0));
  }

  @Test
  void aGraphThatOutlivesItsTimeoutFailsWithCodeTimeout() throws Exception {
    start(2);
    provider.behaviour = (request, call) -> {
      Thread.sleep(Long.MAX_VALUE);
      return null;
    };
    GraphView done = runToEnd("""
        {"timeout_seconds": 1, "nodes": [{"id": "a", "prompt": "p"}, {"id": "b", "depends_on": ["a"], "prompt": "q"}]}
        """);
    assertEquals(GraphStatus.FAILED, done.status());
    assertEquals("timeout", done.error().code());
    assertEquals(NodeStatus.CANCELLED, done.nodes().get(0).status());
    assertEquals(NodeStatus.SKIPPED, done.nodes().get(1).status());
  }

  @Test
  void anIdempotencyKeyReturnsTheFirstGraphAndRejectsAnotherDocument() {
    start(2);
    GraphView first = orchestrator.submit(doc(DIAMOND), "key-1");
    GraphView again = orchestrator.submit(doc(DIAMOND), "key-1");
    assertEquals(first.id(), again.id());
    assertNotEquals(first.id(), orchestrator.submit(doc(DIAMOND), "key-2").id());
    assertThrows(IdempotencyConflictException.class,
        () -> orchestrator.submit(doc("{\"nodes\": [{\"id\": \"x\", \"prompt\": \"y\"}]}"), "key-1"));
  }

  @Test
  void shutdownLetsRunningNodesFinishAndReturnsAsSoonAsTheyHave() throws Exception {
    start(2);
    CountDownLatch calling = new CountDownLatch(1);
    provider.behaviour = (request, call) -> {
      calling.countDown();
      Thread.sleep(300);
      return new LlmResponse("done", Usage.ZERO, "end_turn");
    };
    GraphView submitted = orchestrator.submit(doc("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}]}"), null);
    assertTrue(calling.await(5, TimeUnit.SECONDS));

    long started = System.nanoTime();
    orchestrator.shutdown(Duration.ofSeconds(10));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertTrue(tookMs < 5_000, "shutdown waited " + tookMs + " ms for a node that needed 300");
    assertEquals(GraphStatus.COMPLETED, orchestrator.get(submitted.id()).status());
  }

  @Test
  void unknownGraphsAreNotFound() {
    start(1);
    assertThrows(GraphNotFoundException.class, () -> orchestrator.get("nope"));
    assertThrows(GraphNotFoundException.class, () -> orchestrator.cancel("nope"));
    assertThrows(GraphNotFoundException.class, () -> orchestrator.events("nope", 0));
  }

  @Test
  void listingIsNewestFirstAndPagesWithACursor() throws Exception {
    start(2);
    String a = runToEnd("{\"nodes\": [{\"id\": \"x\", \"prompt\": \"y\"}]}").id();
    Thread.sleep(2);
    String b = runToEnd("{\"nodes\": [{\"id\": \"x\", \"prompt\": \"y\"}]}").id();
    var page = orchestrator.list(null, 1, null);
    assertEquals(List.of(b), page.graphs().stream().map(GraphView.Summary::id).toList());
    var next = orchestrator.list(null, 1, page.nextCursor());
    assertEquals(List.of(a), next.graphs().stream().map(GraphView.Summary::id).toList());
    assertEquals(0, orchestrator.list(GraphStatus.FAILED, 10, null).graphs().size());
  }
}
