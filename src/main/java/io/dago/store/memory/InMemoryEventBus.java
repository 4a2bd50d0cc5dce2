package io.dago.store.memory;

import io.dago.state.Event;
import io.dago.store.AllGraphsSubscribers;
import io.dago.store.EventBus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded event bus: each graph's log is a list in memory; subscribers are called while the log's lock
 * is held, which is what keeps live delivery in order and free of gaps and duplicates against the history.
 */
public final class InMemoryEventBus implements EventBus {
  private final ConcurrentHashMap<String, GraphLog> logs = new ConcurrentHashMap<>();
  private final AllGraphsSubscribers everyGraph = new AllGraphsSubscribers();

  @Override
  public List<Event> append(String graphId, List<Event.Draft> drafts) {
    GraphLog log = logs.computeIfAbsent(graphId, id -> new GraphLog());
    List<Event> appended = new ArrayList<>(drafts.size());
    synchronized (log) {
      for (Event.Draft draft : drafts) {
        Event event = draft.at(log.events.size() + 1L, graphId);
        log.events.add(event);
        appended.add(event);
        for (Listening subscriber : log.subscribers) {
          subscriber.deliver(event);
        }
        if (event.type().isTerminal()) {
          log.subscribers.clear();
        }
      }
    }
    for (Event event : appended) {
      everyGraph.deliver(event);
    }
    return appended;
  }

  @Override
  public List<Event> history(String graphId, long afterSeq) {
    GraphLog log = logs.get(graphId);
    if (log == null) {
      return List.of();
    }
    synchronized (log) {
      int from = (int) Math.min(Math.max(afterSeq, 0), log.events.size());
      return List.copyOf(log.events.subList(from, log.events.size()));
    }
  }

  @Override
  public Subscription subscribe(String graphId, long afterSeq, EventListener listener) {
    GraphLog log = logs.computeIfAbsent(graphId, id -> new GraphLog());
    Listening subscriber = new Listening(listener);
    synchronized (log) {
      int from = (int) Math.min(Math.max(afterSeq, 0), log.events.size());
      boolean ended = false;
      for (Event event : log.events.subList(from, log.events.size())) {
        subscriber.deliver(event);
        ended = event.type().isTerminal();
      }
      boolean alreadyOver = !log.events.isEmpty() && log.events.get(log.events.size() - 1).type().isTerminal();
      if (!ended && !alreadyOver) {
        log.subscribers.add(subscriber);
      }
    }
    return () -> {
      subscriber.closed = true;
      synchronized (log) {
        log.subscribers.remove(subscriber);
      }
    };
  }

  @Override
  public Subscription subscribeAll(EventListener listener) {
    return everyGraph.add(listener);
  }

  /** This bus has no other instances. */
  @Override
  public Subscription subscribeElsewhere(EventListener listener) {
    return () -> { };
  }

  @Override
  public void publishLive(Event event) {
    GraphLog log = logs.get(event.graphId());
    if (log != null) {
      // Under the log's lock, so that it falls between the stored events it came between.
      synchronized (log) {
        for (Listening subscriber : log.subscribers) {
          subscriber.deliverLive(event);
        }
      }
    }
    everyGraph.deliver(event);
  }

  @Override
  public void remove(String graphId) {
    logs.remove(graphId);
  }

  private static final class GraphLog {
    final ArrayList<Event> events = new ArrayList<>();
    final List<Listening> subscribers = new ArrayList<>(1);
  }

  /** A listener that stops hearing anything the moment its subscription is closed. */
  private static final class Listening {
    final EventListener listener;
    volatile boolean closed;

    Listening(EventListener listener) {
      this.listener = listener;
    }

    void deliver(Event event) {
      if (!closed) {
        listener.onEvent(event);
      }
    }

    void deliverLive(Event event) {
      if (!closed) {
        listener.onLiveEvent(event);
      }
    }
  }
}
