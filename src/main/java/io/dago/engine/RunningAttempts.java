package io.dago.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every attempt in flight on this instance, so that cancellation, timeouts and health can find them. */
final class RunningAttempts {
  static final long TIMEOUT_CHECK_MILLIS = 20;
  private final ConcurrentHashMap<String, Set<Attempt>> byGraph = new ConcurrentHashMap<>();

  void add(Attempt attempt) {
    byGraph.computeIfAbsent(attempt.graphId, id -> ConcurrentHashMap.newKeySet()).add(attempt);
  }

  void remove(Attempt attempt) {
    byGraph.computeIfPresent(attempt.graphId, (id, attempts) -> {
      attempts.remove(attempt);
      return attempts.isEmpty() ? null : attempts;
    });
  }

  /** Stops the attempts of the given nodes of a graph (all of its attempts when {@code nodes} is null). */
  void stop(String graphId, int[] nodes, Attempt.Stop reason) {
    Set<Attempt> attempts = byGraph.get(graphId);
    if (attempts == null) {
      return;
    }
    for (Attempt attempt : attempts) {
      if (nodes == null || contains(nodes, attempt.node)) {
        attempt.stop(reason);
      }
    }
  }

  /**
   * Stops the attempts past their deadline. Called every {@link #TIMEOUT_CHECK_MILLIS}: one sweep over the attempts
   * in flight costs less than a timer set and cancelled for every attempt, and a timeout of seconds may fire a few
   * milliseconds late.
   */
  void stopOverdue(long nowNanos) {
    for (Set<Attempt> attempts : byGraph.values()) {
      for (Attempt attempt : attempts) {
        if (nowNanos - attempt.deadlineNanos >= 0) {
          attempt.stop(Attempt.Stop.TIMED_OUT);
        }
      }
    }
  }

  /** Age of the oldest attempt in flight, in nanoseconds, or 0 when none is. */
  long oldestAgeNanos(long nowNanos) {
    long oldest = 0;
    for (Set<Attempt> attempts : byGraph.values()) {
      for (Attempt attempt : attempts) {
        oldest = Math.max(oldest, nowNanos - attempt.startedNanos);
      }
    }
    return oldest;
  }

  private static boolean contains(int[] nodes, int node) {
    for (int n : nodes) {
      if (n == node) {
        return true;
      }
    }
    return false;
  }
}
