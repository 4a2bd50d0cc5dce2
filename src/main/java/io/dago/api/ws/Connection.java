package io.dago.api.ws;

import io.dago.api.ApiJson;
import io.dago.json.Json;
import io.dago.state.Event;
import io.dago.store.EventBus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * the outbox and wakes the sender. The sender, one virtual thread per connection, turns each event into a text frame
 * and hands it to the library, but keeps at most {@link #WINDOW_BYTES} handed over and not yet written to the socket
 * (the library's own queue has no bound): when the window is full it parks until the selector writes (see
 * {@link CountedChannel}). So a client that reads slowly backs up the outbox, and when more than {@code sendBuffer}
 * events wait there the connection is closed with 1013. Memory per connection is bounded by the send buffer (of
 * references to events the log holds anyway) plus the window, and neither the engine nor any other connection ever
 * waits for this one.
 *
 * <p>History replayed when following starts is exempt from the bound: it is delivered synchronously inside
 * {@code follow} on the thread that opened the connection (never an engine thread, which is how it is told apart),
 * it comes from the log that holds it anyway, and a client must be able to catch up with a long log. It is sent
 * first, paced by the window like everything else.
 *
 * <p>The sender alone sends and closes; everyone else sets a flag and unparks it.
 */
final class Connection implements EventBus.EventListener {
  static final class Tmp {
    final java.util.concurrent.atomic.LongAdder n = new java.util.concurrent.atomic.LongAdder(), o10 = new java.util.concurrent.atomic.LongAdder(), o50 = new java.util.concurrent.atomic.LongAdder(), o100 = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAccumulator max = new java.util.concurrent.atomic.LongAccumulator(Math::max, 0);
    void record(long ms) { n.increment(); if (ms > 10) o10.increment(); if (ms > 50) o50.increment(); if (ms > 100) o100.increment(); max.accumulate(ms); }
    { Thread.ofPlatform().daemon().start(() -> { while (true) { try { Thread.sleep(3000); } catch (InterruptedException e) { return; } System.err.println("TMP handed=" + n.sumThenReset() + " >10ms=" + o10.sumThenReset() + " >50ms=" + o50.sumThenReset() + " >100ms=" + o100.sumThenReset() + " max=" + max.getThenReset()); } }); }
  }
  static final Tmp TMP = new Tmp();
  private static final Logger LOG = Logger.getLogger(Connection.class.getName());
  /** Bytes a connection may have inside the library, beyond what the kernel's socket buffer takes. */
  static final int WINDOW_BYTES = 64 * 1024;

  private final WebSocket socket;
  private final CountedChannel channel;
  private final WebSocketCounters counters;
  private final int sendBuffer;
  /** Following one graph: the connection ends after its terminal event. */
  private final boolean follow;
  private final Predicate<Event> filter;

  private final List<Event> replay = new ArrayList<>();
  private final ConcurrentLinkedQueue<Event> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile Thread replaying;
  private volatile Thread sender;
  private volatile boolean overflowed;
  private volatile boolean ended;
  private volatile boolean finishWhenDrained;
  private volatile EventBus.Subscription subscription;

  // Owned by the sender.
  private long handed;
  private long lastSeq;

  /**
   * @param follow whether this follows one graph (ending after its terminal event) rather than the firehose
   * @param filter which events to send; events it rejects cost nothing
   */
  Connection(WebSocket socket, CountedChannel channel, WebSocketCounters counters, int sendBuffer, boolean follow,
      Predicate<Event> filter) {
    this.socket = socket;
    this.channel = channel;
    this.counters = counters;
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
    sender = Thread.ofVirtual().name("dago-ws-sender").start(this::send);
    channel.afterWrite(this::wake);
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
    Thread thread = sender;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }

  private void send() {
    try {
      for (Event event : replay) {
        if (!deliver(event)) {
          return;
        }
      }
      replay.clear();
      while (!ended) {
        if (overflowed) {
          closeTooSlow();
          return;
        }
        Event event = outbox.poll();
        if (event == null) {
          if (finishWhenDrained) {
            close(CloseCodes.FINISHED, "graph finished");
            return;
          }
          LockSupport.park(this);
          continue;
        }
        waiting.decrementAndGet();
        if (!deliver(event)) {
          return;
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "WebSocket sender failed; closing the connection", e);
      close(CloseCodes.INTERNAL_ERROR, "internal error");
    }
  }

  /** @return whether to go on: false once the connection is over */
  private boolean deliver(Event event) {
    byte[] payload = Json.write(ApiJson.event(event));
    if (!awaitWindow()) {
      return false;
    }
    TextFrame frame = new TextFrame();
    frame.setPayload(ByteBuffer.wrap(payload));
    try {
      socket.sendFrame(frame);
    } catch (WebsocketNotConnectedException e) {
      return false;
    }
    handed += frameBytes(payload.length);
    TMP.record(System.currentTimeMillis() - event.time().toEpochMilli());
    counters.frameSent(payload.length);
    if (event.type().isStored()) {
      lastSeq = event.seq();
    }
    if (follow && event.type().isTerminal()) {
      close(CloseCodes.FINISHED, "graph finished");
      return false;
    }
    return true;
  }

  /** Parks while the window is full; @return false when the connection ended or fell too far behind meanwhile */
  private boolean awaitWindow() {
    while (true) {
      if (ended) {
        return false;
      }
      if (overflowed) {
        closeTooSlow();
        return false;
      }
      if (!socket.hasBufferedData()) {
        // Everything handed over has been written; forget the pings and pongs the count also includes.
        channel.resetWritten(handed);
      }
      if (handed - channel.written() < WINDOW_BYTES) {
        return true;
      }
      LockSupport.park(this);
    }
  }

  private void closeTooSlow() {
    outbox.clear();
    counters.slowClientClosed();
    close(CloseCodes.TOO_SLOW, "client too slow: more than " + sendBuffer + " events behind"
        + (follow ? "; reconnect with after=" + lastSeq : ""));
  }

  private void close(int code, String reason) {
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
