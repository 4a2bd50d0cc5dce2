package io.dago.store.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.graph.GraphDocuments;
import io.dago.json.Json;
import io.dago.state.GraphRun;
import io.dago.store.StateStore;
import io.dago.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Embedded mode forgets finished graphs past a count or an age, so a long-running instance does not grow forever. */
class InMemoryRetentionTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Map<String, Object> DOCUMENT = Json.parseObject(
      "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}]}".getBytes(StandardCharsets.UTF_8));

  private final AtomicReference<Instant> now = new AtomicReference<>(T0);
  private final InMemoryEventBus events = new InMemoryEventBus();
  private final InMemoryStateStore store = new InMemoryStateStore(events, new InMemoryTaskQueue(),
      new InMemoryStateStore.Retention(3, Duration.ofHours(1), () -> now.get()));

  private String runToTheEnd(String id, String idempotencyKey) {
    GraphRun run = new GraphRun(id, GraphDocuments.plan(DOCUMENT, 10), TraceContext.newTrace(), T0);
    run.start(T0);
    store.create(run, DOCUMENT, idempotencyKey, "fp");
    store.update(id, r -> r.cancel(now.get()));
    return id;
  }

  @Test
  void theOldestFinishedGraphsGoOnceThereAreMoreThanTheBound() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(runToTheEnd("g" + i, "key" + i));
    }
    assertEquals(Optional.empty(), store.view("g0"));
    assertEquals(Optional.empty(), store.view("g1"));
    assertTrue(store.view("g2").isPresent());
    assertTrue(store.view("g4").isPresent());
    assertEquals(List.of(), events.history("g0", 0), "its events went with it");
    GraphRun again = new GraphRun("g9", GraphDocuments.plan(DOCUMENT, 10), TraceContext.newTrace(), T0);
    StateStore.Created reused = store.create(again, DOCUMENT, "key0", "other");
    assertTrue(reused.isNew(), "its idempotency key went with it too");
  }

  @Test
  void finishedGraphsGoAfterTheirTimeToLiveAndRunningOnesStay() {
    runToTheEnd("old", null);
    GraphRun running = new GraphRun("running", GraphDocuments.plan(DOCUMENT, 10), TraceContext.newTrace(), T0);
    running.start(T0);
    store.create(running, DOCUMENT, null, null);

    now.set(T0.plus(Duration.ofMinutes(61)));
    runToTheEnd("new", null);

    assertEquals(Optional.empty(), store.view("old"));
    assertTrue(store.view("new").isPresent());
    assertTrue(store.view("running").isPresent());
  }
}
