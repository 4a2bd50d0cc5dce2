package io.dago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.state.Event;
import io.dago.state.EventType;
import io.dago.store.EventBus;
import io.dago.store.memory.InMemoryEventBus;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeltaCoalescerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final InMemoryEventBus bus = new InMemoryEventBus();
  private final List<Event> deltas = new ArrayList<>();
  private long now;
  private final List<Timed> timers = new ArrayList<>();

  private record Timed(Runnable task, long due) {}

  DeltaCoalescerTest() {
    bus.subscribeAll(new EventBus.EventListener() {
      @Override
      public void onEvent(Event event) {}

      @Override
      public void onLiveEvent(Event event) {
        deltas.add(event);
      }
    });
  }

  private DeltaCoalescer coalescer(int attempt) {
    return new DeltaCoalescer(bus, "g1", "writer", "trace-1", attempt, InstantSource.fixed(Instant.EPOCH), () -> now,
        (task, delay) -> timers.add(new Timed(task, now + delay)));
  }

  /** Moves the clock on, running the timers that fall due on the way, in order. */
  private void advanceTo(long nanos) {
    while (true) {
      Timed next = timers.stream().filter(t -> t.due <= nanos).min((a, b) -> Long.compare(a.due, b.due)).orElse(null);
      if (next == null) {
        break;
      }
      timers.remove(next);
      now = next.due;
      next.task.run();
    }
    now = nanos;
  }

  private List<String> texts() {
    return deltas.stream().map(e -> (String) e.data().get("text")).toList();
  }

  @Test
  void firstPieceGoesOutAtOnceAndLaterOnesWaitJoinedForTheIntervalsEnd() {
    DeltaCoalescer coalescer = coalescer(1);

    coalescer.accept("Hel");
    advanceTo(10 * MS);
    coalescer.accept("lo");
    advanceTo(20 * MS);
    coalescer.accept(", wor");
    assertEquals(List.of("Hel"), texts());
    assertEquals(1, timers.size(), "one timer for the whole interval");

    advanceTo(50 * MS);

    assertEquals(List.of("Hel", "lo, wor"), texts());
  }

  @Test
  void aBurstOfPiecesBecomesAtMostOneDeltaPerInterval() {
    DeltaCoalescer coalescer = coalescer(1);
    StringBuilder sent = new StringBuilder();

    for (int ms = 0; ms < 1000; ms++) {
      advanceTo(ms * MS);
      coalescer.accept("t" + ms + " ");
      sent.append("t").append(ms).append(' ');
    }
    coalescer.finish();

    assertTrue(deltas.size() <= 21, deltas.size() + " deltas in one second");
    assertEquals(sent.toString(), String.join("", texts()));
  }

  @Test
  void finishPublishesWhatIsPendingAndNothingAfter() {
    DeltaCoalescer coalescer = coalescer(1);
    coalescer.accept("a");
    coalescer.accept("b");

    coalescer.finish();
    coalescer.accept("late");
    advanceTo(100 * MS);

    assertEquals(List.of("a", "b"), texts());
  }

  @Test
  void discardDropsWhatIsPendingOfAFailedAttempt() {
    DeltaCoalescer coalescer = coalescer(1);
    coalescer.accept("a");
    coalescer.accept("b");

    coalescer.discard();
    advanceTo(100 * MS);

    assertEquals(List.of("a"), texts());
  }

  @Test
  void deltasAreLiveNodeDeltasCarryingTextAndAttempt() {
    coalescer(2).accept("x");

    Event delta = deltas.get(0);
    assertEquals(EventType.NodeDelta, delta.type());
    assertEquals(Event.LIVE, delta.seq());
    assertEquals("g1", delta.graphId());
    assertEquals("writer", delta.nodeId());
    assertEquals(Map.of("text", "x", "attempt", 2), delta.data());
  }

  @Test
  void liveEventsAreNeverStoredInTheLog() {
    coalescer(1).accept("x");

    assertEquals(List.of(), bus.history("g1", 0));
  }
}
