package io.dago.store;

import io.dago.state.Event;
import java.util.List;

/**
 * Each graph's ordered event log, plus live delivery to subscribers.
 *
 * <p>Concurrency contract: {@link #append} for one graph must be called by one thread at a time (the state
 * store calls it while it holds the graph), so the log's order is the order of the state changes.
 * Listeners are called in {@code seq} order per graph; they must not block (hand the event to your own
 * buffer and return).
 */
public interface EventBus {

  /** Gives each draft the next {@code seq} of the graph's log, stores it and delivers it to subscribers. */
  List<Event> append(String graphId, List<Event.Draft> drafts);

  /** Stored events of the graph with {@code seq > afterSeq}, in order; empty for an unknown graph. */
  List<Event> history(String graphId, long afterSeq);

  /**
   * Delivers the graph's events with {@code seq > afterSeq}: first the stored ones, then live ones, with no gap
   * and no duplicate between the two. After the graph's terminal event the subscription ends by itself.
   */
  Subscription subscribe(String graphId, long afterSeq, EventListener listener);

  /** Live events of every graph from now on (no history). */
  Subscription subscribeAll(EventListener listener);

  /** Forgets a graph's log (when its state expires). */
  void remove(String graphId);

  /** Receives events; see {@link EventBus} for the threading contract. */
  @FunctionalInterface
  interface EventListener {
    void onEvent(Event event);
  }

  /** A live subscription; closing it stops delivery at once and is idempotent. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
