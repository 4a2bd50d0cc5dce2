package io.dago.engine;

import io.dago.state.Event;
import io.dago.store.EventBus;
import java.util.List;

/**
 * An event bus that tells an {@link EngineObserver} about every event appended through it. It wraps the bus the
 * state store publishes to, so it sees exactly the events this instance commits, and never those another
 * instance of a cluster commits and this one merely receives. Live-only events published through it are reported
 * too.
 *
 * <p>Every method of {@link EventBus} must be forwarded here: a default method added to the port would otherwise
 * run against this wrapper instead of the real bus.
 */
public final class ObservedEventBus implements EventBus {
  private final EventBus bus;
  private final EngineObserver observer;

  public ObservedEventBus(EventBus bus, EngineObserver observer) {
    this.bus = bus;
    this.observer = observer;
  }

  @Override
  public List<Event> append(String graphId, List<Event.Draft> drafts) {
    List<Event> appended = bus.append(graphId, drafts);
    observer.eventsPublished(appended);
    return appended;
  }

  @Override
  public List<Event> history(String graphId, long afterSeq) {
    return bus.history(graphId, afterSeq);
  }

  @Override
  public Subscription subscribe(String graphId, long afterSeq, EventListener listener) {
    return bus.subscribe(graphId, afterSeq, listener);
  }

  @Override
  public Subscription subscribeAll(EventListener listener) {
    return bus.subscribeAll(listener);
  }

  @Override
  public Subscription subscribeElsewhere(EventListener listener) {
    return bus.subscribeElsewhere(listener);
  }

  @Override
  public void publishLive(Event event) {
    bus.publishLive(event);
    observer.eventsPublished(List.of(event));
  }

  @Override
  public void remove(String graphId) {
    bus.remove(graphId);
  }
}
