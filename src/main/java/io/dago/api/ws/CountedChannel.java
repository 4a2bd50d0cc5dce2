package io.dago.api.ws;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.drafts.Draft;

/**
 * A connection's socket as the library writes to it, counting the bytes that reach the kernel. The library queues
 * outgoing frames without bound and offers no callback when its queue drains; this count, and the wake-up after each
 * write, are what let a {@link Connection} keep only a small window of frames inside the library.
 */
final class CountedChannel implements ByteChannel {
  private final SocketChannel socket;
  private final AtomicLong written = new AtomicLong();
  private volatile Runnable afterWrite = () -> {};

  private CountedChannel(SocketChannel socket) {
    this.socket = socket;
  }

  /** Bytes written to the socket so far: frames, control frames and the handshake alike. */
  long written() {
    return written.get();
  }

  /** Sets the count, for a sender that knows all it handed over has been written. */
  void resetWritten(long bytes) {
    written.set(bytes);
  }

  /** Called on the library's selector thread after each write that moved bytes; must not block. */
  void afterWrite(Runnable task) {
    this.afterWrite = task;
  }

  @Override
  public int write(ByteBuffer source) throws IOException {
    int n = socket.write(source);
    if (n > 0) {
      written.addAndGet(n);
      afterWrite.run();
    }
    return n;
  }

  @Override
  public int read(ByteBuffer target) throws IOException {
    return socket.read(target);
  }

  @Override
  public boolean isOpen() {
    return socket.isOpen();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /**
   * Gives every accepted socket a counted channel, left as the connection's attachment until the handshake is done
   * and {@link Connection} takes it.
   */
  static final class Factory implements WebSocketServerFactory {
    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter adapter, Draft draft) {
      return new WebSocketImpl(adapter, draft);
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter adapter, List<Draft> drafts) {
      return new WebSocketImpl(adapter, drafts);
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) {
      CountedChannel counted = new CountedChannel(channel);
      ((WebSocketImpl) key.attachment()).setAttachment(counted);
      return counted;
    }

    @Override
    public void close() {}
  }
}
