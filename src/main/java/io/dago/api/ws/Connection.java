package io.dago.api.ws;

import io.dago.api.ApiJson;
import io.dago.json.Json;
import io.dago.state.Event;
import io.dago.store.EventBus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.java_websocket.WebSocket;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.TextFrame;

/**
 * One client's events on their way out, at the pace the client reads them.
 *
 * <p>Design. Events arrive on engine threads, which must never wait for a client: {@link #onEvent} only appends to
 * the outbox and schedules a drain. Drains run on the API's few sender threads, at most one per connection at a
 * time: each turns events into text frames and hands them to the library, but keeps at most {@link #WINDOW_BYTES}
 * handed over and not yet written to the socket (the library's own queue has no bound). When the window is full the
 * drain ends, and the next write to the socket schedules another (see {@link CountedChannel}). So a client that
 * reads slowly backs up the outbox, and when more than {@code sendBuffer} events wait there the connection is closed
 * with 1013. Memory per connection is bounded by the send buffer (of references to events the log holds anyway)
 * plus the window, and neither the engine nor any other connection ever waits for this one.
 *
 * <p>Why platform threads of its own and not a virtual thread per connection: sending must keep up while the engine
 * is busiest. Virtual threads queue first in, first out behind every worker and request handler that woke in the
 * same burst, and on a small machine a burst of submissions starved the senders until healthy clients overflowed.
 * A drain never blocks, and yields its thread after {@link #FRAMES_PER_TURN} frames so that a busy firehose cannot
 * hold it.
 *
 * <p>History replayed when following starts is exempt from the bound: it is delivered synchronously inside
 * {@code follow} on the thread that opened the connection (never an engine thread, which is how it is told apart),
 * it comes from the log that holds it anyway, and a client must be able to catch up with a long log. It is sent
 * first, paced by the window like everything else.
 *
 * <p>Only drains send and close; everyone else sets a flag and calls {@link #wake}. A drain looks for work again
 * after it has given up its turn, so a wake that finds a drain still running is never lost.
 */
final class Connection implements EventBus.EventListener {
  private static final Logger LOG = Logger.getLogger(Connection.class.getName());
  /** Bytes a connection may have inside the library, beyond what the kernel's socket buffer takes. */
  static final int WINDOW_BYTES = 64 * 1024;
  static final int FRAMES_PER_TURN = 64;

  private final WebSocket socket;
  private final CountedChannel channel;
  private final WebSocketCounters counters;
  private final Executor senders;
  private final int sendBuffer;
  /** Following one graph: the connection ends after its terminal event. */
  private final boolean follow;
  private final Predicate<Event> filter;

  private final List<Event> replay = new ArrayList<>();
  private final ConcurrentLinkedQueue<Event> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile Thread replaying;
  private volatile boolean started;
  private volatile boolean overflowed;
  private volatile boolean ended;
  private volatile boolean finishWhenDrained;
  /** Set while a full window holds the drains back, so that writes to the socket schedule one only then. */
  private volatile boolean awaitingWindow;
  private volatile EventBus.Subscription subscription;

  // Owned by the drains, one at a time.
  private int replayed;
  private boolean over;
  private long handed;
  private long lastSeq;

  /**
   * @param senders runs the drains; must not be an engine thread
   * @param follow whether this follows one graph (ending after its terminal event) rather than the firehose
   * @param filter which events to send; events it rejects cost nothing
   */
  Connection(WebSocket socket, CountedChannel channel, WebSocketCounters counters, Executor senders, int sendBuffer,
      boolean follow, Predicate<Event> filter) {
    this.socket = socket;
    this.channel = channel;
    this.counters = counters;
    this.senders = senders;
    this.sendBuffer = sendBuffer;
    this.follow = follow;
    this.filter = filter;
  }

  /**
   * Subscribes through {@code subscribe} (which may replay history into this connection before it returns) and
   * starts sending. Must be called on a thread that never delivers live events.
   */
  void start(Function<EventBus.EventListener, EventBus.Subscription> subscribe) {
    replaying = Thread.currentThread();
    try {
      subscription = subscribe.apply(this);
    } finally {
      replaying = null;
    }
    channel.afterWrite(() -> {
      if (awaitingWindow) {
        wake();
      }
    });
    started = true;
    wake();
    if (ended) {
      // Closed while subscribing: onClose could not yet close the subscription.
      subscription.close();
    }
  }

  /**
   * Nothing more will arrive: close with 1000 once what is queued has been sent. For a client that asked only for
   * events after the graph's last one.
   */
  void finishWhenDrained() {
    finishWhenDrained = true;
    wake();
  }

  /** The socket closed, from either side: stop at once. Called by the library. */
  void ended() {
    ended = true;
    EventBus.Subscription current = subscription;
    if (current != null) {
      current.close();
    }
    wake();
  }

  @Override
  public void onEvent(Event event) {
    offer(event);
  }

  @Override
  public void onLiveEvent(Event event) {
    offer(event);
  }

  private void offer(Event event) {
    if (!filter.test(event)) {
      return;
    }
    if (Thread.currentThread() == replaying) {
      replay.add(event);
      return;
    }
    if (ended || overflowed) {
      return;
    }
    if (waiting.incrementAndGet() > sendBuffer) {
      overflowed = true;
    } else {
      outbox.add(event);
    }
    wake();
  }

  private void wake() {
    if (started && scheduled.compareAndSet(false, true)) {
      try {
        senders.execute(this::drain);
      } catch (RejectedExecutionException stopping) {
        // The API is stopping and closes every connection itself.
        scheduled.set(false);
      }
    }
  }

  private void drain() {
    boolean yielded = false;
    try {
      yielded = turn();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "WebSocket sender failed; closing the connection", e);
      close(CloseCodes.INTERNAL_ERROR, "internal error");
    } finally {
      scheduled.set(false);
    }
    if (yielded || hasWork()) {
      wake();
    }
  }

  /** Sends what it may. @return true when it stopped only to give other connections a turn */
  private boolean turn() {
    for (int frames = 0; frames < FRAMES_PER_TURN; frames++) {
      if (over) {
        return false;
      }
      if (ended) {
        over = true;
        outbox.clear();
        return false;
      }
      if (overflowed) {
        closeTooSlow();
        return false;
      }
      if (!windowOpen()) {
        return false;
      }
      Event event = next();
      if (event == null) {
        if (finishWhenDrained) {
          close(CloseCodes.FINISHED, "graph finished");
        }
        return false;
      }
      deliver(event);
    }
    return true;
  }

  /** Whether a drain would find anything to do now. */
  private boolean hasWork() {
    if (over) {
      return false;
    }
    if (ended || overflowed) {
      return true;
    }
    boolean queued = replayed < replay.size() || !outbox.isEmpty() || finishWhenDrained;
    return queued && windowOpen();
  }

  private Event next() {
    if (replayed < replay.size()) {
      Event event = replay.get(replayed);
      replay.set(replayed++, null);
      return event;
    }
    Event event = outbox.poll();
    if (event != null) {
      waiting.decrementAndGet();
    }
    return event;
  }

  private void deliver(Event event) {
    byte[] payload = Json.write(ApiJson.event(event));
    TextFrame frame = new TextFrame();
    frame.setPayload(ByteBuffer.wrap(payload));
    try {
      socket.sendFrame(frame);
    } catch (WebsocketNotConnectedException e) {
      over = true;
      return;
    }
    handed += frameBytes(payload.length);
    counters.frameSent(payload.length);
    if (event.type().isStored()) {
      lastSeq = event.seq();
    }
    if (follow && event.type().isTerminal()) {
      close(CloseCodes.FINISHED, "graph finished");
    }
  }

  /** Whether less than the window is in the library; when not, asks the next write to the socket for a drain. */
  private boolean windowOpen() {
    if (!socket.hasBufferedData()) {
      // Everything handed over has been written; forget the pings and pongs the count also includes.
      channel.resetWritten(handed);
    }
    if (handed - channel.written() < WINDOW_BYTES) {
      awaitingWindow = false;
      return true;
    }
    // Flag first, then look again: a write that lands in between either sees the flag or is seen here.
    awaitingWindow = true;
    if (handed - channel.written() < WINDOW_BYTES) {
      awaitingWindow = false;
      return true;
    }
    return false;
  }

  private void closeTooSlow() {
    outbox.clear();
    counters.slowClientClosed();
    close(CloseCodes.TOO_SLOW, "client too slow: more than " + sendBuffer + " events behind"
        + (follow ? "; reconnect with after=" + lastSeq : ""));
  }

  private void close(int code, String reason) {
    over = true;
    ended = true;
    EventBus.Subscription current = subscription;
    if (current != null) {
      current.close();
    }
    socket.close(code, CloseCodes.reason(reason));
  }

  /** A server's frame: a 2-byte header, plus 2 or 8 bytes of length for payloads over 125 or 65535 bytes. */
  private static long frameBytes(int payload) {
    return payload + (payload <= 125 ? 2 : payload <= 65_535 ? 4 : 10);
  }
}
