package io.dago.engine;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The starts not stored yet (see {@link DeferredStart}), in the order their calls began, each handed to
 * {@code publish} once it is due and still pending. A timer runs only while starts wait, at most once per
 * {@link DeferredStart#DELAY_MILLIS}, and each run looks at the starts that are due rather than at every attempt in
 * flight: a short delay costs nothing while the engine is idle, and little under thousands of running attempts.
 */
final class DeferredStarts {
  private final ConcurrentLinkedQueue<DeferredStart> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean armed = new AtomicBoolean();
  private final ScheduledExecutorService timers;
  private final Consumer<DeferredStart> publish;

  DeferredStarts(ScheduledExecutorService timers, Consumer<DeferredStart> publish) {
    this.timers = timers;
    this.publish = publish;
  }

  /** Watches a start from the moment its call begins. */
  void add(DeferredStart start) {
    waiting.add(start);
    arm(start.dueNanos - System.nanoTime());
  }

  private void arm(long delayNanos) {
    if (!armed.compareAndSet(false, true)) {
      return;
    }
    try {
      timers.schedule(this::publishDue, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopping) {
      // Shutting down: the workers still running store their starts with their outcomes.
      armed.set(false);
    }
  }

  private void publishDue() {
    long now = System.nanoTime();
    for (DeferredStart head; (head = waiting.peek()) != null; ) {
      if (head.pending() && now - head.dueNanos < 0) {
        break;
      }
      waiting.poll();
      if (head.claimForPublishing(now)) {
        publish.accept(head);
      }
    }
    armed.set(false);
    // A start added while this ran found the timer armed, and is seen here.
    DeferredStart next = waiting.peek();
    if (next != null) {
      arm(next.dueNanos - now);
    }
  }
}
