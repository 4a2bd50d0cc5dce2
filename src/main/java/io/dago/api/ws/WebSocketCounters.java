package io.dago.api.ws;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the WebSocket API has done since it started, counted always (an addition per connection or frame), read by
 * whoever reports it: metrics read these at scrape time. Thread-safe.
 */
public final class WebSocketCounters {
  private final LongAdder opened = new LongAdder();
  private final LongAdder closed = new LongAdder();
  private final LongAdder framesSent = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder slowClientCloses = new LongAdder();

  /** Connections whose upgrade succeeded, including ones then closed at once for a bad path or an unknown graph. */
  public long opened() {
    return opened.sum();
  }

  /** Connections that have closed, for any reason and from either side. */
  public long closed() {
    return closed.sum();
  }

  /** Connections open now. */
  public long current() {
    return opened() - closed();
  }

  /** Event frames handed to the socket. */
  public long framesSent() {
    return framesSent.sum();
  }

  /** Payload bytes of those frames. */
  public long bytesSent() {
    return bytesSent.sum();
  }

  /** Connections closed with 1013 because the client fell too far behind. */
  public long slowClientCloses() {
    return slowClientCloses.sum();
  }

  void connectionOpened() {
    opened.increment();
  }

  void connectionClosed() {
    closed.increment();
  }

  void frameSent(int payloadBytes) {
    framesSent.increment();
    bytesSent.add(payloadBytes);
  }

  void slowClientClosed() {
    slowClientCloses.increment();
  }
}
