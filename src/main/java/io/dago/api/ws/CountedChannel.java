package io.dago.api.ws;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.drafts.Draft;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;

/**
 * A connection's socket as the library writes to it, counting the bytes that reach the kernel. The library queues
 * outgoing frames without bound and offers no callback when its queue drains; this count, and the wake-up after each
 * write, are what let a {@link Connection} keep only a small window of frames inside the library.
 *
 * <p>It also bounds the handshake, which the library buffers without limit until it is complete: the bytes read
 * before the connection opens are counted, and a handshake request over the header limit ends the connection.
 *
 * <p>Over TLS it wraps the library's TLS channel rather than the socket and counts the plain bytes that channel
 * takes, which is what {@link Connection} hands over too; see {@link Tls}.
 */
class CountedChannel implements ByteChannel {
  /** How long a closed plain connection keeps reading what the client still sends; see {@link #close}. */
  static final Duration LINGER = Duration.ofSeconds(2);
  private static final long LINGER_POLL_MILLIS = 50;

  private final ByteChannel socket;
  private final int maxHandshakeBytes;
  /** Where a plain connection lingers when it closes; null over TLS. */
  private final Lingering lingering;
  private final AtomicLong written = new AtomicLong();
  private volatile Runnable afterWrite = () -> {};
  /** Bytes read before {@link #opened()}; only the library's selector thread reads. */
  private long handshakeBytes;
  private volatile boolean opened;

  private CountedChannel(ByteChannel socket, int maxHandshakeBytes, Lingering lingering) {
    this.socket = socket;
    this.maxHandshakeBytes = maxHandshakeBytes;
    this.lingering = lingering;
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

  /** The handshake is done: from now on reads are frames, which the draft's frame limit bounds. */
  void opened() {
    opened = true;
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
    return counted(socket.read(target));
  }

  /** @throws IOException when the handshake grows past the limit: the library then drops the connection */
  int counted(int read) throws IOException {
    if (read > 0 && !opened) {
      handshakeBytes += read;
      if (handshakeBytes > maxHandshakeBytes) {
        throw new IOException("WebSocket handshake request larger than " + maxHandshakeBytes + " bytes");
      }
    }
    return read;
  }

  @Override
  public boolean isOpen() {
    return socket.isOpen();
  }

  /**
   * The library closes a connection as soon as its close frame is written, without waiting for the client's. Data
   * the client sent meanwhile (the pong to a ping that crossed the close, say) would then sit unread in a closed
   * socket, the kernel would answer it with a reset, and the reset destroys whatever the client had not read yet:
   * the last events and the close frame. So a plain connection closes its sending side only, reads and drops what
   * still comes for up to {@link #LINGER}, and closes when the client does or that time is up.
   */
  @Override
  public void close() throws IOException {
    if (lingering == null || !(socket instanceof SocketChannel plain) || !plain.isConnected()) {
      socket.close();
      return;
    }
    lingering.start(plain);
  }

  /** Closed plain connections reading out what their clients still send, on the API's timer. */
  static final class Lingering {
    private final ScheduledExecutorService timer;
    private final Set<SocketChannel> channels = ConcurrentHashMap.newKeySet();

    Lingering(ScheduledExecutorService timer) {
      this.timer = timer;
    }

    void start(SocketChannel channel) throws IOException {
      try {
        channel.shutdownOutput();
      } catch (IOException e) {
        channel.close();
        return;
      }
      channels.add(channel);
      long deadline = System.nanoTime() + LINGER.toNanos();
      try {
        timer.schedule(() -> readOut(channel, deadline), LINGER_POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopping) {
        finish(channel);
      }
    }

    private void readOut(SocketChannel channel, long deadline) {
      ByteBuffer scratch = ByteBuffer.allocate(1024);
      try {
        int read;
        do {
          scratch.clear();
          read = channel.read(scratch);
        } while (read > 0);
        if (read == 0 && System.nanoTime() < deadline) {
          timer.schedule(() -> readOut(channel, deadline), LINGER_POLL_MILLIS, TimeUnit.MILLISECONDS);
          return;
        }
      } catch (IOException | RejectedExecutionException e) {
        // Reset by the client, or the API is stopping: nothing more to wait for.
      }
      finish(channel);
    }

    private void finish(SocketChannel channel) {
      channels.remove(channel);
      try {
        channel.close();
      } catch (IOException e) {
        // Closed is closed.
      }
    }

    /** Closes every connection still lingering, when the API stops. */
    void closeAll() {
      for (SocketChannel channel : channels) {
        finish(channel);
      }
    }
  }

  /**
   * Over TLS, the library looks for {@link WrappedByteChannel} to flush encrypted bytes it could not write yet and
   * to read decrypted bytes it has buffered, so this one passes those calls through to the TLS channel.
   */
  static final class Tls extends CountedChannel implements WrappedByteChannel {
    private final WrappedByteChannel tls;

    private Tls(WrappedByteChannel tls, int maxHandshakeBytes) {
      super(tls, maxHandshakeBytes, null);
      this.tls = tls;
    }

    @Override
    public boolean isNeedWrite() {
      return tls.isNeedWrite();
    }

    @Override
    public void writeMore() throws IOException {
      tls.writeMore();
      super.afterWrite.run();
    }

    @Override
    public boolean isNeedRead() {
      return tls.isNeedRead();
    }

    @Override
    public int readMore(ByteBuffer target) throws IOException {
      return counted(tls.readMore(target));
    }

    @Override
    public boolean isBlocking() {
      return tls.isBlocking();
    }
  }

  /**
   * Gives every accepted socket a counted channel (over TLS when there is a context), left as the connection's
   * attachment until the handshake is done and {@link Connection} takes it, and a deadline: a connection that has
   * not completed its TLS and WebSocket handshakes within the request timeout is closed, as the library itself only
   * watches connections that are open.
   */
  static final class Factory implements WebSocketServerFactory {
    private final DefaultSSLWebSocketServerFactory tls;
    private final int maxHandshakeBytes;
    private final Duration handshakeTimeout;
    private final ScheduledExecutorService timer;
    private final Lingering lingering;

    /**
     * @param sslContext null for plain connections
     * @param timer runs the handshake deadlines, the lingering of closed connections and, over TLS, the TLS
     *     engine's delegated tasks
     */
    Factory(SSLContext sslContext, int maxHandshakeBytes, Duration handshakeTimeout, ScheduledExecutorService timer) {
      this.tls = sslContext == null ? null : new DefaultSSLWebSocketServerFactory(sslContext, timer);
      this.maxHandshakeBytes = maxHandshakeBytes;
      this.handshakeTimeout = handshakeTimeout;
      this.timer = timer;
      this.lingering = new Lingering(timer);
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter adapter, Draft draft) {
      return new WebSocketImpl(adapter, draft);
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter adapter, List<Draft> drafts) {
      return new WebSocketImpl(adapter, drafts);
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
      WebSocketImpl socket = (WebSocketImpl) key.attachment();
      CountedChannel counted = tls == null
          ? new CountedChannel(channel, maxHandshakeBytes, lingering)
          : new Tls((WrappedByteChannel) tls.wrapChannel(channel, key), maxHandshakeBytes);
      socket.setAttachment(counted);
      timer.schedule(() -> {
        // Closing a connection that never opened tells the server, which releases its buffers, but not onClose.
        if (socket.getReadyState() == ReadyState.NOT_YET_CONNECTED) {
          socket.closeConnection(CloseFrame.ABNORMAL_CLOSE, "no complete handshake within " + handshakeTimeout);
        }
      }, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return counted;
    }

    @Override
    public void close() {
      lingering.closeAll();
    }
  }
}
