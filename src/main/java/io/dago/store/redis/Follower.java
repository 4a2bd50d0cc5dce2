package io.dago.store.redis;

import io.dago.state.Event;
import io.dago.store.EventBus;
import java.util.List;
import java.util.TreeMap;

/**
 * One subscriber of one graph's log on this instance. Events reach it from several places (this instance's own
 * commits, the feed from other instances, the log itself when it catches up), possibly twice or out of order; it
 * hands them to its listener exactly once each, in {@code seq} order, fetching from the log whatever it missed.
 */
final class Follower implements EventBus.Subscription {
  /** Fetches the stored events after a seq, and tells when the follower is done. */
  interface Log {
    void fillLater(Follower follower);

    void ended(Follower follower);
  }

  final String graphId;
  private final EventBus.EventListener listener;
  private final Log log;
  private final TreeMap<Long, Event> early = new TreeMap<>();
  private long last;
  private boolean loading = true;
  private boolean filling;
  private volatile boolean done;
  private volatile long lastHeardNanos = System.nanoTime();

  Follower(String graphId, long afterSeq, EventBus.EventListener listener, Log log) {
    this.graphId = graphId;
    this.last = Math.max(0, afterSeq);
    this.listener = listener;
    this.log = log;
  }

  synchronized long last() {
    return last;
  }

  boolean quietFor(long nanos) {
    return !done && System.nanoTime() - lastHeardNanos > nanos;
  }

  /** An event of the graph, from anywhere. */
  synchronized void offer(Event event) {
    if (done || event.seq() <= last) {
      return;
    }
    if (loading || event.seq() > last + 1) {
      early.put(event.seq(), event);
      if (!loading && !filling) {
        filling = true;
        log.fillLater(this);
      }
      return;
    }
    deliver(event);
    drainEarly();
  }

  /** Events read from the log after {@link #last()}: the history at first, a gap's contents later. */
  synchronized void filled(List<Event> fromLog) {
    loading = false;
    filling = false;
    for (Event event : fromLog) {
      if (done) {
        return;
      }
      if (event.seq() == last + 1) {
        deliver(event);
      }
    }
    drainEarly();
    if (!done && !early.isEmpty() && !filling) {
      // Still a gap: what fills it was committed but not yet readable here; look again.
      filling = true;
      log.fillLater(this);
    }
  }

  /** The log could not be read: the next event, or the periodic look at quiet followers, tries again. */
  synchronized void fillFailed() {
    filling = false;
  }

  synchronized void offerLive(Event event) {
    if (!done && !loading) {
      listener.onLiveEvent(event);
    }
  }

  private void drainEarly() {
    while (!done && !early.isEmpty()) {
      Long first = early.firstKey();
      if (first <= last) {
        early.remove(first);
      } else if (first == last + 1) {
        deliver(early.remove(first));
      } else {
        return;
      }
    }
  }

  private void deliver(Event event) {
    last = event.seq();
    lastHeardNanos = System.nanoTime();
    listener.onEvent(event);
    if (event.type().isTerminal()) {
      done = true;
      early.clear();
      log.ended(this);
    }
  }

  @Override
  public void close() {
    done = true;
    log.ended(this);
  }
}
