package io.dago.engine;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Graph timeouts. Every instance that submits a graph or runs one of its nodes watches the graph's deadline, so the
 * timeout holds even when the submitting instance is gone; timing a graph out twice is harmless.
 */
final class Deadlines {
  private final ConcurrentHashMap<String, ScheduledFuture<?>> byGraph = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timers;
  private final InstantSource clock;
  private final Consumer<String> timeOut;

  Deadlines(ScheduledExecutorService timers, InstantSource clock, Consumer<String> timeOut) {
    this.timers = timers;
    this.clock = clock;
    this.timeOut = timeOut;
  }

  /** Times the graph out at {@code due}, unless it is already watched. */
  void watch(String graphId, Instant due) {
    byGraph.computeIfAbsent(graphId, id -> {
      long delayMs = Math.max(0, due.toEpochMilli() - clock.millis());
      return timers.schedule(() -> {
        byGraph.remove(id);
        timeOut.accept(id);
      }, delayMs, TimeUnit.MILLISECONDS);
    });
  }

  /** The graph ended: its deadline no longer matters. */
  void forget(String graphId) {
    ScheduledFuture<?> deadline = byGraph.remove(graphId);
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
