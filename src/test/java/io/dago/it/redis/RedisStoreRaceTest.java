package io.dago.it.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.graph.GraphDocuments;
import io.dago.graph.GraphPlan;
import io.dago.json.Json;
import io.dago.llm.Usage;
import io.dago.state.Event;
import io.dago.state.EventType;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.NodeStatus;
import io.dago.store.EventBus;
import io.dago.store.Storage;
import io.dago.store.TaskQueue;
import io.dago.store.redis.RedisStorage;
import io.dago.testing.Await;
import io.dago.testing.RedisServer;
import io.dago.testing.TestConfigs;
import io.dago.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Below the engine: two instances' Redis stores commit the last two parents of a node at the same moment, and the
 * node is handed to the queue exactly once. This is the optimistic commit of {@code RedisStateStore}: one of the two
 * scripts finds its seq taken, the change is rolled back, the run catches up with the winner's event and the change
 * is applied again, now making the child ready.
 */
class RedisStoreRaceTest {
  private static final int ROUNDS = 200;
  private static final String QUEUE = "dago:{s0}:q";
  /** b and c are roots; d depends on both. */
  private static final Map<String, Object> DOCUMENT = Json.parseObject("""
      {"name": "race", "nodes": [
        {"id": "b", "prompt": "b"},
        {"id": "c", "prompt": "c"},
        {"id": "d", "depends_on": ["b", "c"], "prompt": "d"}]}""".getBytes(StandardCharsets.UTF_8));

  private static RedisServer redis;
  private static Storage one;
  private static Storage two;
  private static UnifiedJedis jedis;

  @BeforeAll
  static void start() {
    redis = RedisServer.builder().start();
    one = RedisStorage.connect(TestConfigs.redis(redis.addr(), "DAGO_INSTANCE_ID", "one"),
        events -> { });
    two = RedisStorage.connect(TestConfigs.redis(redis.addr(), "DAGO_INSTANCE_ID", "two"),
        events -> { });
    jedis = RedisClient.create(redis.host(), redis.port());
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {jedis, two, one, redis}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // The others still close.
      }
    }
  }

  @Test
  void theLastTwoParentsCompletingAtOnceOnTwoInstancesMakeTheChildReadyOnce(TestReporter reporter) throws Exception {
    long refusedBefore = RefusedCommits.so(redis);
    GraphPlan plan = GraphDocuments.plan(DOCUMENT, 100);
    int b = plan.indexOf("b");
    int c = plan.indexOf("c");
    int d = plan.indexOf("d");
    try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
      for (int round = 0; round < ROUNDS; round++) {
        String id = "race-" + round + "-" + UUID.randomUUID();
        GraphRun run = new GraphRun(id, plan, TraceContext.newTrace(), Instant.now());
        run.start(Instant.now());
        one.store().create(run, DOCUMENT, null, null);
        TaskQueue.Task taskB = take(one.queue(), id, b);
        TaskQueue.Task taskC = take(two.queue(), id, c);
        one.store().update(id, r -> r.beginAttempt(b, taskB.attempt(), false, Instant.now()));
        two.store().update(id, r -> r.beginAttempt(c, taskC.attempt(), false, Instant.now()));
        // Reading brings both runs up to date, so both commits below aim at the same seq.
        assertEquals(NodeStatus.RUNNING, nodeStatus(one, id, c));
        assertEquals(NodeStatus.RUNNING, nodeStatus(two, id, b));

        CountDownLatch go = new CountDownLatch(1);
        Future<?> completeB = threads.submit(() -> complete(one, id, taskB, b, go));
        Future<?> completeC = threads.submit(() -> complete(two, id, taskC, c, go));
        go.countDown();
        completeB.get();
        completeC.get();

        String where = "round " + round + ", graph " + id;
        assertEquals(1, dispatchesOf(id, d), where + ": dispatches of d in " + QUEUE);
        List<Event> log = one.events().history(id, 0);
        assertEquals(1, completions(log, "b"), where + ": " + log);
        assertEquals(1, completions(log, "c"), where + ": " + log);
        assertEquals(NodeStatus.PENDING, nodeStatus(two, id, d), where);
        // Takes d off the queue, so the next round's roots are the first tasks there.
        one.queue().ack(take(one.queue(), id, d));
      }
    }
    // Both runs were up to date when released, so both commits aimed at the same seq and the later one was refused:
    // the refusal, roll back, catch up and retry path ran, once a round.
    long refused = RefusedCommits.so(redis) - refusedBefore;
    reporter.publishEntry("commits refused because the other store committed first", refused + " of " + ROUNDS);
    assertEquals(ROUNDS, refused, "commits refused in " + ROUNDS + " rounds");
  }

  /**
   * An outcome arriving at a copy of the run that has not seen its node start (the node began through another
   * instance, or through a copy loaded meanwhile) is still stored: the refusal of the stale copy is checked against
   * the log before the task is acknowledged.
   */
  @Test
  void anOutcomeStoredThroughAStaleRunIsAppliedToTheLatestState() throws Exception {
    GraphPlan plan = GraphDocuments.plan(DOCUMENT, 100);
    int b = plan.indexOf("b");
    int c = plan.indexOf("c");
    String id = "stale-" + UUID.randomUUID();
    GraphRun run = new GraphRun(id, plan, TraceContext.newTrace(), Instant.now());
    run.start(Instant.now());
    one.store().create(run, DOCUMENT, null, null);
    TaskQueue.Task taskB = take(two.queue(), id, b);
    one.queue().ack(take(one.queue(), id, c));
    two.store().update(id, r -> r.beginAttempt(b, taskB.attempt(), false, Instant.now()));

    // Store one still holds the run as it created it, with b pending.
    complete(one, id, taskB, b, new CountDownLatch(0));

    List<Event> log = one.events().history(id, 0);
    assertEquals(1, completions(log, "b"), "b's outcome in the log: " + log);
    assertEquals(NodeStatus.COMPLETED, nodeStatus(one, id, b));
    assertEquals(NodeStatus.COMPLETED, nodeStatus(two, id, b));
  }

  @Test
  void subscribersToWhatHappensElsewhereHearOnlyTheOtherInstancesEvents() throws Exception {
    GraphPlan plan = GraphDocuments.plan(DOCUMENT, 100);
    List<Event> heardByTwo = new CopyOnWriteArrayList<>();
    String id = "elsewhere-" + UUID.randomUUID();
    try (EventBus.Subscription elsewhere = two.events().subscribeElsewhere(event -> {
      if (event.graphId().equals(id)) {
        heardByTwo.add(event);
      }
    })) {
      GraphRun run = new GraphRun(id, plan, TraceContext.newTrace(), Instant.now());
      run.start(Instant.now());
      one.store().create(run, DOCUMENT, null, null);
      TaskQueue.Task taskB = take(two.queue(), id, plan.indexOf("b"));
      one.queue().ack(take(one.queue(), id, plan.indexOf("c")));
      two.store().update(id, r -> r.beginAttempt(taskB.node(), taskB.attempt(), false, Instant.now()));
      one.store().update(id, r -> r.cancel(Instant.now()));

      Await.await("two heard the graph end", Duration.ofSeconds(10),
          () -> heardByTwo.stream().anyMatch(e -> e.type().isTerminal()));
    }
    List<EventType> types = heardByTwo.stream().map(Event::type).toList();
    assertTrue(types.contains(EventType.GraphSubmitted) && types.contains(EventType.GraphCancelled),
        "two heard what one committed: " + types);
    assertFalse(types.contains(EventType.NodeStarted), "two did not hear its own event: " + types);
  }

  /** A run another instance changes is kept up to date from the feed, without reading the log. */
  @Test
  void aRunHeldByTheOtherInstanceFollowsItsChangesFromTheFeed() throws Exception {
    GraphPlan plan = GraphDocuments.plan(DOCUMENT, 100);
    String id = "followed-" + UUID.randomUUID();
    GraphRun run = new GraphRun(id, plan, TraceContext.newTrace(), Instant.now());
    run.start(Instant.now());
    one.store().create(run, DOCUMENT, null, null);
    assertEquals(Optional.of(GraphStatus.RUNNING), two.store().statusSeen(id), "two loaded the graph");

    one.store().update(id, r -> r.cancel(Instant.now()));

    // statusSeen never reads the log: only the feed can tell two.
    Await.await("two saw the graph cancelled", Duration.ofSeconds(10),
        () -> two.store().statusSeen(id).equals(Optional.of(GraphStatus.CANCELLED)));
    one.queue().ack(take(one.queue(), id, plan.indexOf("b")));
    one.queue().ack(take(one.queue(), id, plan.indexOf("c")));
  }

  private static Void complete(Storage storage, String id, TaskQueue.Task task, int node, CountDownLatch go)
      throws InterruptedException {
    go.await();
    storage.store().update(id, task, r -> r.completeNode(node, "done", new Usage(1, 1), "end_turn", Instant.now()));
    return null;
  }

  /** The next task of the queue, which must be {@code node} of graph {@code id}. */
  private static TaskQueue.Task take(TaskQueue queue, String id, int node) throws InterruptedException {
    List<TaskQueue.Task> tasks = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (tasks.isEmpty() && System.nanoTime() < deadline) {
      tasks = queue.poll(1, Duration.ofMillis(100));
    }
    assertEquals(1, tasks.size(), "a task for node " + node + " of graph " + id);
    TaskQueue.Task task = tasks.get(0);
    assertEquals(id, task.graphId(), task.toString());
    assertEquals(node, task.node(), task.toString());
    return task;
  }

  private static NodeStatus nodeStatus(Storage storage, String id, int node) {
    var view = storage.store().view(id).orElse(null);
    assertNotNull(view, "graph " + id);
    return view.nodes().get(node).status();
  }

  /** Entries for {@code node} of graph {@code id} in the queue stream; d's is not delivered yet, so not trimmed. */
  private static long dispatchesOf(String id, int node) {
    List<StreamEntry> entries = jedis.xrange(QUEUE, "-", "+");
    return entries.stream().filter(e -> id.equals(e.getFields().get("g"))
        && Integer.toString(node).equals(e.getFields().get("n"))).count();
  }

  private static long completions(List<Event> log, String nodeId) {
    return log.stream().filter(e -> e.type() == EventType.NodeCompleted && nodeId.equals(e.nodeId())).count();
  }
}
