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

  /**
   * Stored events that other instances commit, from now on, in no particular order across graphs: for reacting to
   * what happens elsewhere (a graph ended there). A bus with no other instances never calls it.
   */
  Subscription subscribeElsewhere(EventListener listener);

  /**
   * Delivers a live-only event (see {@link io.dago.state.EventType#isStored()}) to the graph's subscribers and to
   * those of every graph, through {@link EventListener#onLiveEvent}: never stored, no {@code seq}, lost to whoever
   * is not listening at the time. In order with the graph's stored events as far as the caller orders its calls.
   * In a cluster it reaches subscribers on every instance.
   */
  void publishLive(Event event);

  /** Forgets a graph's log (when its state expires). */
  void remove(String graphId);

  /** Receives events; see {@link EventBus} for the threading contract. */
  @FunctionalInterface
  interface EventListener {
    /** A stored event, in {@code seq} order. */
    void onEvent(Event event);

    /** A live-only event; ignored unless a listener asks for them, so that followers of the log see only the log. */
    default void onLiveEvent(Event event) {}
  }

  /** A live subscription; closing it stops delivery at once and is idempotent. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
