package io.dago.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.graph.GraphDocuments;
import io.dago.json.Json;
import io.dago.llm.Usage;
import io.dago.state.ErrorInfo;
import io.dago.state.Event;
import io.dago.state.EventType;
import io.dago.state.GraphPage;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.state.NodeStatus;
import io.dago.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every set of adapters does (state store, event bus and task queue together), run against each
 * implementation by a subclass: the memory adapters and the Redis ones pass the same tests.
 */
public abstract class StorageContract {
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final AtomicLong IDS = new AtomicLong(System.nanoTime());
  protected static final String DIAMOND = """
      {"name": "d", "input": {"topic": "tides"}, "nodes": [
        {"id": "a", "prompt": "about {{input.topic}}"},
        {"id": "b", "depends_on": ["a"], "prompt": "b of {{nodes.a.output}}"},
        {"id": "c", "depends_on": ["a"], "prompt": "c"},
        {"id": "d", "depends_on": ["b", "c"], "prompt": "d"}]}""";

  protected Storage storage;

  /** Fresh adapters on an empty backend. */
  protected abstract Storage newStorage();

  @BeforeEach
  void open() {
    storage = newStorage();
  }

  @AfterEach
  void closeStorage() {
    storage.close();
  }

  protected static Map<String, Object> document(String json) {
    return Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
  }

  /** A started diamond, not yet stored. */
  protected static GraphRun startedRun(String id) {
    Map<String, Object> document = document(DIAMOND);
    GraphRun run = new GraphRun(id, GraphDocuments.plan(document, 100), TraceContext.newTrace(), T0);
    run.start(T0);
    return run;
  }

  protected String create(GraphRun run) {
    return storage.store().create(run, document(DIAMOND), null, null).graphId();
  }

  protected static String newId() {
    return String.format("G%025d", IDS.incrementAndGet());
  }

  protected List<TaskQueue.Task> take(int count) throws InterruptedException {
    List<TaskQueue.Task> taken = new ArrayList<>();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (taken.size() < count && System.nanoTime() < giveUp) {
      taken.addAll(storage.queue().poll(count - taken.size(), Duration.ofMillis(100)));
    }
    return taken;
  }

  protected void runNode(TaskQueue.Task task, String output) {
    storage.store().update(task.graphId(), run -> run.beginAttempt(task.node(), task.attempt(), false, T0));
    storage.store().update(task.graphId(), task,
        run -> run.completeNode(task.node(), output, new Usage(1, 1), "end_turn", T0));
  }

  /**
   * Events as a client sees them: a store may hand out numbers in the data of events it read back from JSON with
   * other Java types than those it was given, so events are compared as JSON.
   */
  protected static List<String> wire(List<Event> events) {
    return events.stream().map(e -> e.seq() + " " + e.type() + " " + e.graphId() + " " + e.nodeId() + " "
        + e.traceId() + " " + e.time() + " " + Json.writeString(e.data())).toList();
  }

  protected static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > giveUp) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void aCreatedGraphCanBeReadWithItsFirstEventsAndItsRootIsReady() throws Exception {
    String id = create(startedRun(newId()));

    GraphView view = storage.store().view(id).orElseThrow();
    assertEquals(GraphStatus.RUNNING, view.status());
    assertEquals(Optional.of(GraphStatus.RUNNING), storage.store().statusSeen(id));
    assertEquals(Optional.of(NodeStatus.PENDING), storage.store().inspect(id, run -> run.nodeStatus(0)));
    assertEquals(Optional.empty(), storage.store().inspect(id, run -> null), "a reading that gives null");
    assertEquals(4, view.nodes().size());
    assertEquals(List.of(EventType.GraphSubmitted, EventType.GraphStarted),
        storage.events().history(id, 0).stream().map(Event::type).toList());
    List<TaskQueue.Task> roots = take(1);
    assertEquals(1, roots.size());
    assertEquals(id, roots.get(0).graphId());
    assertEquals(0, roots.get(0).node());
    assertEquals(1, roots.get(0).attempt());
    assertFalse(roots.get(0).redelivered());
  }

  @Test
  void anUnknownGraphIsEmptyEverywhere() {
    assertEquals(Optional.empty(), storage.store().view("nope"));
    assertEquals(Optional.empty(), storage.store().update("nope", run -> 1));
    assertEquals(Optional.empty(), storage.store().statusSeen("nope"));
    assertEquals(Optional.empty(), storage.store().inspect("nope", GraphRun::status));
    assertEquals(List.of(), storage.events().history("nope", 0));
  }

  @Test
  void aReusedIdempotencyKeyReturnsTheFirstGraphAndTellsWhetherTheDocumentMatches() {
    String key = "key-" + newId();
    GraphRun first = startedRun(storage.store().placeGraph(key, StorageContract::newId));
    StateStore.Created created = storage.store().create(first, document(DIAMOND), key, "fp1");
    assertTrue(created.isNew());

    GraphRun again = startedRun(storage.store().placeGraph(key, StorageContract::newId));
    StateStore.Created same = storage.store().create(again, document(DIAMOND), key, "fp1");
    StateStore.Created other = storage.store().create(startedRun(newId()), document(DIAMOND), key, "fp2");

    assertEquals(new StateStore.Created(first.id(), false, true), same);
    assertEquals(new StateStore.Created(first.id(), false, false), other);
    assertEquals(Optional.empty(), storage.store().view(again.id()), "the second run was not stored");
  }

  @Test
  void runningEveryReadyTaskCompletesTheGraphWithEachNodeReadyOnce() throws Exception {
    String id = create(startedRun(newId()));
    List<Integer> ran = new ArrayList<>();
    while (storage.store().view(id).orElseThrow().status() == GraphStatus.RUNNING) {
      List<TaskQueue.Task> tasks = take(1);
      assertEquals(1, tasks.size(), "a task is ready while the graph runs");
      ran.add(tasks.get(0).node());
      runNode(tasks.get(0), "out " + tasks.get(0).node());
    }
    assertEquals(4, ran.size());
    assertEquals(List.of(0, 1, 2, 3), ran.stream().sorted().toList());
    assertEquals(Optional.of(GraphStatus.COMPLETED), storage.store().statusSeen(id));
    GraphView done = storage.store().view(id).orElseThrow();
    assertEquals(GraphStatus.COMPLETED, done.status());
    assertEquals("out 0", done.nodes().get(0).output());
    assertEquals(List.of(), storage.queue().poll(4, Duration.ofMillis(200)), "nothing left over");
    List<Event> log = storage.events().history(id, 0);
    for (int i = 0; i < log.size(); i++) {
      assertEquals(i + 1, log.get(i).seq(), "seq counts from 1 without gaps");
    }
    assertEquals(EventType.GraphCompleted, log.get(log.size() - 1).type());
    assertEquals(wire(log.subList(5, log.size())), wire(storage.events().history(id, 5)), "history after a seq");
  }

  @Test
  void aMutationsResultComesBackAndAChangeWithoutEventsStoresNothing() throws Exception {
    String id = create(startedRun(newId()));
    int before = storage.events().history(id, 0).size();

    assertEquals(Optional.of("pending"), storage.store().update(id, run -> run.nodeStatus(3).wireName()));

    assertEquals(before, storage.events().history(id, 0).size());
  }

  @Test
  void aDuplicateTaskIsRefusedWithoutChangingAnything() throws Exception {
    String id = create(startedRun(newId()));
    TaskQueue.Task root = take(1).get(0);
    assertEquals(Optional.of(1), storage.store().update(id, run -> run.beginAttempt(0, 1, false, T0)));

    assertEquals(Optional.of(GraphRun.ALREADY_STARTED),
        storage.store().update(id, root, run -> run.beginAttempt(0, 1, false, T0)));
    assertEquals(NodeStatus.RUNNING, storage.store().view(id).orElseThrow().nodes().get(0).status());
  }

  @Test
  void aRetryIsReadyOnlyAfterItsDelayForTheNextAttempt() throws Exception {
    String id = create(startedRun(newId()));
    TaskQueue.Task root = take(1).get(0);
    storage.store().update(id, run -> run.beginAttempt(0, 1, false, T0));
    long retried = System.nanoTime();
    storage.store().update(id, root,
        run -> run.retryNode(0, new ErrorInfo("overloaded", "busy", true), 600, T0));

    assertEquals(List.of(), storage.queue().poll(1, Duration.ofMillis(300)), "not before its delay");
    List<TaskQueue.Task> retry = take(1);
    assertTrue(System.nanoTime() - retried >= TimeUnit.MILLISECONDS.toNanos(600));
    assertEquals(1, retry.size());
    assertEquals(2, retry.get(0).attempt());
    assertEquals(0, retry.get(0).node());
  }

  @Test
  void aPostponedTaskComesBackOnlyAfterItsDelayForTheSameAttemptAndRunsOnce() throws Exception {
    String id = create(startedRun(newId()));
    TaskQueue.Task root = take(1).get(0);
    long postponed = System.nanoTime();

    storage.queue().postpone(root, Duration.ofMillis(600));

    assertEquals(List.of(), storage.queue().poll(1, Duration.ofMillis(300)), "not before its delay");
    List<TaskQueue.Task> again = take(1);
    assertTrue(System.nanoTime() - postponed >= TimeUnit.MILLISECONDS.toNanos(600));
    assertEquals(1, again.size());
    assertEquals(id, again.get(0).graphId());
    assertEquals(0, again.get(0).node());
    assertEquals(1, again.get(0).attempt(), "waiting spent no attempt");
    assertFalse(again.get(0).redelivered());
    runNode(again.get(0), "after the wait");
    GraphView view = storage.store().view(id).orElseThrow();
    assertEquals(NodeStatus.COMPLETED, view.nodes().get(0).status());
    assertEquals(1, view.nodes().get(0).attempts());
    assertEquals(List.of(1, 2), take(2).stream().map(TaskQueue.Task::node).sorted().toList(),
        "the root's children, and no second copy of the root");
    assertEquals(List.of(), storage.queue().poll(4, Duration.ofMillis(300)), "nothing left over");
  }

  @Test
  void aPostponedRedeliveredTaskComesBackRedelivered() throws Exception {
    create(startedRun(newId()));
    TaskQueue.Task root = take(1).get(0);
    TaskQueue.Task takenOver = new TaskQueue.Task(root.graphId(), root.node(), root.attempt(), true,
        root.enqueuedNanos(), root.receipt());

    storage.queue().postpone(takenOver, Duration.ofMillis(100));

    List<TaskQueue.Task> again = take(1);
    assertEquals(1, again.size());
    assertEquals(1, again.get(0).attempt());
    assertTrue(again.get(0).redelivered(), "a node whose worker died may still be taken over after the wait");
  }

  @Test
  void aFollowerGetsTheHistoryThenLiveEventsWithoutGapOrDuplicateAndStopsAtTheEnd() throws Exception {
    String id = create(startedRun(newId()));
    CopyOnWriteArrayList<Event> heard = new CopyOnWriteArrayList<>();
    try (EventBus.Subscription subscription = storage.events().subscribe(id, 1, heard::add)) {
      while (storage.store().view(id).orElseThrow().status() == GraphStatus.RUNNING) {
        runNode(take(1).get(0), "x");
      }
      List<Event> log = storage.events().history(id, 0);
      await(() -> heard.size() == log.size() - 1, "every event after seq 1");
      assertEquals(wire(log.subList(1, log.size())), wire(heard));
    }
    CopyOnWriteArrayList<Event> late = new CopyOnWriteArrayList<>();
    storage.events().subscribe(id, 0, late::add);
    assertEquals(wire(storage.events().history(id, 0)), wire(late), "a finished graph's follower gets it all");
  }

  @Test
  void liveOnlyEventsReachFollowersAndAreNeverStored() throws Exception {
    String id = create(startedRun(newId()));
    CopyOnWriteArrayList<Event> live = new CopyOnWriteArrayList<>();
    CopyOnWriteArrayList<Event> all = new CopyOnWriteArrayList<>();
    EventBus.EventListener listener = new EventBus.EventListener() {
      @Override
      public void onEvent(Event event) {}

      @Override
      public void onLiveEvent(Event event) {
        live.add(event);
      }
    };
    try (EventBus.Subscription one = storage.events().subscribe(id, 0, listener);
        EventBus.Subscription every = storage.events().subscribeAll(new EventBus.EventListener() {
          @Override
          public void onEvent(Event event) {}

          @Override
          public void onLiveEvent(Event event) {
            all.add(event);
          }
        })) {
      Event delta = Event.live(EventType.NodeDelta, id, "a", "t", T0, Map.of("text", "tide"));
      storage.events().publishLive(delta);
      await(() -> live.size() == 1 && all.size() == 1, "the delta");
      assertEquals(delta, live.get(0));
      assertEquals(delta, all.get(0));
    }
    assertTrue(storage.events().history(id, 0).stream().noneMatch(e -> e.type() == EventType.NodeDelta));
  }

  @Test
  void followersOfEveryGraphHearEventsCommittedFromNowOn() throws Exception {
    CopyOnWriteArrayList<Event> heard = new CopyOnWriteArrayList<>();
    try (EventBus.Subscription every = storage.events().subscribeAll(heard::add)) {
      String id = create(startedRun(newId()));
      runNode(take(1).get(0), "x");
      await(() -> heard.stream().filter(e -> e.graphId().equals(id)).count() == 4, "four events of the graph");
      assertEquals(wire(storage.events().history(id, 0)),
          wire(heard.stream().filter(e -> e.graphId().equals(id)).toList()));
    }
  }

  @Test
  void listingIsNewestFirstFiltersByStatusAndPagesWithACursor() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(create(startedRun(newId())));
    }
    storage.store().update(ids.get(1), run -> run.cancel(T0));

    GraphPage first = storage.store().list(null, 3, null);
    assertEquals(List.of(ids.get(4), ids.get(3), ids.get(2)), first.graphs().stream().map(GraphView.Summary::id).toList());
    assertNotNull(first.nextCursor());
    GraphPage second = storage.store().list(null, 3, first.nextCursor());
    assertEquals(List.of(ids.get(1), ids.get(0)), second.graphs().stream().map(GraphView.Summary::id).toList());
    assertNull(second.nextCursor());
    GraphPage cancelled = storage.store().list(GraphStatus.CANCELLED, 10, null);
    assertEquals(List.of(ids.get(1)), cancelled.graphs().stream().map(GraphView.Summary::id).toList());
    assertEquals(GraphStatus.CANCELLED, cancelled.graphs().get(0).status());
  }

  @Test
  void theStoreIsUp() {
    assertTrue(storage.store().isUp());
  }
}
