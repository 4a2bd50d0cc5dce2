package io.dago.engine;

import io.dago.llm.TextSink;
import io.dago.state.Event;
import io.dago.state.EventData;
import io.dago.state.EventType;
import io.dago.store.EventBus;
import java.time.InstantSource;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Turns the text pieces of one streaming attempt into {@code NodeDelta} events, at most one per {@link #INTERVAL_NANOS}
 * per node, so that a model producing a token every few milliseconds costs subscribers twenty frames a second, not
 * hundreds. The first piece goes out at once; pieces within the interval after a delta wait, joined, for a timer at
 * the interval's end. {@link #finish} publishes what is left before the node's completion is recorded, so the last
 * delta always precedes {@code NodeCompleted}.
 *
 * <p>Each delta carries the attempt it belongs to ({@code {"text", "attempt"}}): when an attempt fails mid-stream and
 * is retried, clients see the attempt number change and start the text over.
 *
 * <p>Called by the worker (pieces, finish, discard) and the timer thread (the delayed delta); the lock keeps deltas
 * in order and ends timer deltas once the attempt is over.
 */
final class DeltaCoalescer implements TextSink {
  static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** Runs a task after a delay: the engine's timers in production, a hand-driven list in tests. */
  interface Timer {
    /** @throws RejectedExecutionException when the timers have been shut down */
    void schedule(Runnable task, long delayNanos);
  }

  private final EventBus events;
  private final String graphId;
  private final String traceId;
  private final String nodeId;
  private final int attempt;
  private final InstantSource clock;
  private final LongSupplier nanoTime;
  private final Timer timer;
  private final StringBuilder pending = new StringBuilder();
  private boolean published;
  private long lastPublished;
  private boolean flushScheduled;
  private boolean over;

  DeltaCoalescer(EventBus events, String graphId, String nodeId, String traceId, int attempt, InstantSource clock,
      LongSupplier nanoTime, Timer timer) {
    this.events = events;
    this.graphId = graphId;
    this.traceId = traceId;
    this.nodeId = nodeId;
    this.attempt = attempt;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.timer = timer;
  }

  @Override
  public synchronized void accept(String text) {
    if (over || text.isEmpty()) {
      return;
    }
    pending.append(text);
    long now = nanoTime.getAsLong();
    long wait = published ? lastPublished + INTERVAL_NANOS - now : 0;
    if (wait <= 0) {
      publish(now);
    } else if (!flushScheduled) {
      flushScheduled = true;
      try {
        timer.schedule(this::timerFired, wait);
      } catch (RejectedExecutionException shuttingDown) {
        publish(now);
      }
    }
  }

  /** Publishes what is pending now and ignores everything after: the attempt succeeded. */
  synchronized void finish() {
    if (!over && !pending.isEmpty()) {
      publish(nanoTime.getAsLong());
    }
    over = true;
  }

  /** Drops what is pending and ignores everything after: the attempt failed, its text is void. */
  synchronized void discard() {
    pending.setLength(0);
    over = true;
  }

  private synchronized void timerFired() {
    flushScheduled = false;
    if (!over && !pending.isEmpty()) {
      publish(nanoTime.getAsLong());
    }
  }

  private void publish(long now) {
    events.publishLive(Event.live(EventType.NodeDelta, graphId, nodeId, traceId, clock.instant(),
        EventData.of("text", pending.toString(), "attempt", attempt)));
    pending.setLength(0);
    published = true;
    lastPublished = now;
  }
}
