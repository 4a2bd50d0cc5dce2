package io.dago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GraphIdsTest {

  @Test
  void idsAreUrlSafeAndTwentySixCharactersLong() {
    String id = new GraphIds(InstantSource.system()).next();
    assertEquals(26, id.length());
    assertTrue(id.matches("[0-9A-Z]{26}"), id);
  }

  @Test
  void laterIdsSortAfterEarlierOnes() {
    AtomicLong millis = new AtomicLong(1_700_000_000_000L);
    GraphIds ids = new GraphIds(() -> Instant.ofEpochMilli(millis.get()));
    String previous = ids.next();
    for (int i = 0; i < 1_000; i++) {
      millis.addAndGet(1);
      String next = ids.next();
      assertTrue(next.compareTo(previous) > 0, next + " should sort after " + previous);
      previous = next;
    }
  }

  @Test
  void idsInTheSameMillisecondDifferInTheirRandomPart() {
    GraphIds ids = new GraphIds(() -> Instant.ofEpochMilli(1_700_000_000_000L));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      assertTrue(seen.add(ids.next()));
    }
    String a = ids.next();
    String b = ids.next();
    assertEquals(a.substring(0, 10), b.substring(0, 10), "time prefix");
  }
}
