package io.dago.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.state.Event;
import io.dago.state.EventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeedOrderTest {
  private static final long PATIENCE = 1_000;
  private final List<Long> delivered = new ArrayList<>();
  private final FeedOrder order = new FeedOrder(PATIENCE);

  private static Event event(long seq, EventType type) {
    return new Event(seq, type, "g", null, "t", Instant.EPOCH, Map.of());
  }

  private void accept(long seq, long now) {
    order.accept(event(seq, seq == 9 ? EventType.GraphCompleted : EventType.NodeStarted), now,
        e -> delivered.add(e.seq()));
  }

  @Test
  void eventsThatComeEarlyWaitForTheOnesBeforeThemAndDuplicatesAreDropped() {
    accept(1, 0);
    accept(3, 1);
    accept(4, 2);
    assertEquals(List.of(1L), delivered);
    assertTrue(order.waiting());
    accept(2, 3);
    accept(3, 4);
    assertEquals(List.of(1L, 2L, 3L, 4L), delivered);
    assertFalse(order.waiting());
  }

  @Test
  void aGapThatOutlastsThePatienceIsFilledFromTheLog() {
    accept(1, 0);
    accept(4, 10);
    order.expire(10 + PATIENCE - 1, (graph, after) -> List.of(), e -> delivered.add(e.seq()));
    assertEquals(List.of(1L), delivered);
    order.expire(10 + PATIENCE, (graph, after) -> List.of(event(2, EventType.NodeStarted),
        event(3, EventType.NodeStarted), event(4, EventType.NodeStarted)), e -> delivered.add(e.seq()));
    assertEquals(List.of(1L, 2L, 3L, 4L), delivered);
  }

  @Test
  void aGraphFirstHeardMidwayStartsAtItsEarliestEventOnceThePatienceIsOver() {
    accept(6, 0);
    accept(5, 5);
    assertEquals(List.of(), delivered);
    order.expire(PATIENCE, (graph, after) -> List.of(), e -> delivered.add(e.seq()));
    assertEquals(List.of(5L, 6L), delivered);
  }

  @Test
  void nothingOfAGraphIsDeliveredAfterItsTerminalEvent() {
    accept(8, 0);
    order.expire(PATIENCE, (graph, after) -> List.of(), e -> delivered.add(e.seq()));
    accept(9, PATIENCE + 1);
    accept(7, PATIENCE + 2);
    accept(10, PATIENCE + 3);
    assertEquals(List.of(8L, 9L), delivered);
  }
}
