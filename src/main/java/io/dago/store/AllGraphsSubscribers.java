package io.dago.store;

import io.dago.state.Event;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The subscribers of every graph's events, for event bus implementations: each hears stored events through
 * {@link EventBus.EventListener#onEvent} and live-only ones through {@link EventBus.EventListener#onLiveEvent}, and
 * hears nothing more from the moment it unsubscribes.
 */
public final class AllGraphsSubscribers {
  private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();

  public EventBus.Subscription add(EventBus.EventListener listener) {
    Subscriber subscriber = new Subscriber(listener);
    subscribers.add(subscriber);
    return () -> {
      subscriber.closed = true;
      subscribers.remove(subscriber);
    };
  }

  /** Whether anyone subscribes. */
  public boolean any() {
    return !subscribers.isEmpty();
  }

  public void deliver(Event event) {
    for (Subscriber subscriber : subscribers) {
      subscriber.deliver(event);
    }
  }

  private static final class Subscriber {
    final EventBus.EventListener listener;
    volatile boolean closed;

    Subscriber(EventBus.EventListener listener) {
      this.listener = listener;
    }

    void deliver(Event event) {
      if (closed) {
        return;
      }
      if (event.type().isStored()) {
        listener.onEvent(event);
      } else {
        listener.onLiveEvent(event);
      }
    }
  }
}
