package io.dago.api.grpc;

import io.dago.api.grpc.v1.Event;
import io.dago.engine.Orchestrator;
import io.dago.store.EventBus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WatchGraph call: a graph's events, sent to one client at the pace it reads them.
 *
 * <p>Design. The stream has two phases. While it catches up it pulls the stored log from the orchestrator in
 * batches and sends only as fast as the transport takes them ({@code isReady}), so replaying a long log costs no
 * memory beyond the log the store holds anyway. Once a read comes back empty it follows the live log from the last
 * seq it sent, and the event bus guarantees no gap and no duplicate from there; only then do the live-only events
 * (NodeDelta), which the log does not keep, come too. Live events arrive on engine
 * threads, which must not block: they go into a bounded queue, and a client that lets the queue fill up is ended
 * with RESOURCE_EXHAUSTED. Watching again with the last seq it received as {@code after_seq} loses nothing.
 *
 * <p>Concurrency. Only {@link #pump} touches the observer and the subscription, and the {@code wip} counter keeps it
 * on one thread at a time. Every other entry point (a live event, the transport becoming ready, the client
 * cancelling, the server stopping) sets a flag or queues an event and calls {@link #signal}: that starts the pump on
 * the server's executor, or, when it is running already, makes it go round once more. So the pump never runs on an
 * engine thread, and the subscription is never closed from inside its own listener.
 */
final class EventStream {
  private static final Logger LOG = Logger.getLogger(EventStream.class.getName());
  /** Live events a client may fall behind by; a few MB at most per watcher. */
  static final int LIVE_BUFFER = 4096;

  private final Orchestrator orchestrator;
  private final String graphId;
  private final long afterSeq;
  private final ServerCallStreamObserver<Event> observer;
  private final Executor executor;
  private final Consumer<EventStream> onEnd;
  private final int liveBuffer;
  private final ArrayBlockingQueue<io.dago.state.Event> live;
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean overflowed;
  private volatile boolean cancelled;
  private volatile boolean stopping;

  // Owned by the pump.
  /** The seq of the last stored event sent; live-only events have none. */
  private long lastSeq;
  private List<io.dago.state.Event> batch = List.of();
  private int nextInBatch;
  private EventBus.Subscription subscription;
  private boolean ended;

  /**
   * @param liveBuffer how many live events the client may fall behind by; {@link #LIVE_BUFFER} but in tests
   * @param executor runs the pump; never an engine thread
   * @param onEnd called once, by the pump, when the stream has ended in any way
   */
  EventStream(Orchestrator orchestrator, String graphId, long afterSeq, ServerCallStreamObserver<Event> observer,
      int liveBuffer, Executor executor, Consumer<EventStream> onEnd) {
    this.orchestrator = orchestrator;
    this.graphId = graphId;
    this.afterSeq = afterSeq;
    this.lastSeq = afterSeq;
    this.observer = observer;
    this.liveBuffer = liveBuffer;
    this.live = new ArrayBlockingQueue<>(liveBuffer);
    this.executor = executor;
    this.onEnd = onEnd;
  }

  /** Must be called from the handler, before it returns: gRPC takes the handlers only until then. */
  void start() {
    observer.setOnReadyHandler(this::signal);
    observer.setOnCancelHandler(() -> {
      cancelled = true;
      signal();
    });
    // The first batch goes out from the handler's own thread.
    if (wip.getAndIncrement() == 0) {
      drain();
    }
  }

  /** Ends the stream with UNAVAILABLE, for a server that is stopping; the client can resume elsewhere. */
  void stop() {
    stopping = true;
    signal();
  }

  /**
   * Where the event bus delivers, stored and live-only events alike: the client gets both in the order they
   * happened. Runs on an engine thread and must not block.
   */
  private final EventBus.EventListener listener = new EventBus.EventListener() {
    @Override
    public void onEvent(io.dago.state.Event event) {
      offer(event);
    }

    @Override
    public void onLiveEvent(io.dago.state.Event event) {
      offer(event);
    }
  };

  private void offer(io.dago.state.Event event) {
    if (!live.offer(event)) {
      overflowed = true;
    }
    signal();
  }

  private void signal() {
    if (wip.getAndIncrement() == 0) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        // Only once the server has terminated, when every call is closed: no one is left to send to.
        LOG.log(Level.FINE, "event stream of graph " + graphId + " signalled after the server stopped", e);
      }
    }
  }

  private void drain() {
    int missed = 1;
    do {
      pump();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void pump() {
    if (ended) {
      live.clear();
      return;
    }
    try {
      while (!ended) {
        if (cancelled) {
          release();
        } else if (stopping) {
          fail(Status.UNAVAILABLE.withDescription("dago is shutting down; watch again with after_seq " + lastSeq
              + " to resume").asRuntimeException());
        } else if (overflowed) {
          fail(Status.RESOURCE_EXHAUSTED.withDescription("the client fell more than " + liveBuffer
              + " events behind; watch again with after_seq " + lastSeq + " to resume").asRuntimeException());
        } else if (!observer.isReady()) {
          return;
        } else {
          io.dago.state.Event event = next();
          if (event == null) {
            return;
          }
          observer.onNext(ProtoMessages.event(event));
          if (event.type().isStored()) {
            lastSeq = event.seq();
          }
          if (event.type().isTerminal()) {
            observer.onCompleted();
            release();
          }
        }
      }
    } catch (RuntimeException e) {
      fail(StatusMapping.toStatus(e, "WatchGraph of graph " + graphId));
    }
  }

  /** @return the next event to send, or null when there is none yet (or the stream has just ended) */
  private io.dago.state.Event next() {
    if (subscription != null) {
      return live.poll();
    }
    if (nextInBatch < batch.size()) {
      return batch.get(nextInBatch++);
    }
    batch = orchestrator.events(graphId, lastSeq);
    nextInBatch = 0;
    if (!batch.isEmpty()) {
      return batch.get(nextInBatch++);
    }
    return caughtUp();
  }

  /**
   * Every stored event has been sent, and the last of them was not terminal: live events follow from here. Except
   * when nothing has been sent yet: then the client's {@code after_seq} must name an event, and when that event is
   * the terminal one there is nothing left to watch.
   */
  private io.dago.state.Event caughtUp() {
    if (lastSeq == afterSeq && afterSeq > 0) {
      List<io.dago.state.Event> fromAfterSeq = orchestrator.events(graphId, afterSeq - 1);
      if (fromAfterSeq.isEmpty()) {
        throw Status.OUT_OF_RANGE.withDescription("after_seq " + afterSeq + " is past the last event of graph '"
            + graphId + "'").asRuntimeException();
      }
      if (fromAfterSeq.get(0).type().isTerminal()) {
        observer.onCompleted();
        release();
        return null;
      }
    }
    subscription = orchestrator.follow(graphId, lastSeq, listener);
    return live.poll();
  }

  private void fail(StatusRuntimeException status) {
    if (ended) {
      return;
    }
    try {
      observer.onError(status);
    } catch (RuntimeException e) {
      // The call was closed under us (the transport failed); there is no one left to tell.
      LOG.log(Level.FINE, "cannot end the event stream of graph " + graphId + " with " + status.getStatus(), e);
    }
    release();
  }

  private void release() {
    if (ended) {
      return;
    }
    ended = true;
    if (subscription != null) {
      subscription.close();
    }
    live.clear();
    onEnd.accept(this);
  }
}
