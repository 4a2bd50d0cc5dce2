package io.dago.api.ws;

import io.dago.engine.GraphNotFoundException;
import io.dago.engine.Orchestrator;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * dago's events over WebSocket (Java-WebSocket), for any client: {@code websocat}, {@code wscat}, a browser. Every
 * frame is one JSON text frame holding one event, exactly as the HTTP events endpoint shapes it; see {@link Target}
 * for the two endpoints and {@link CloseCodes} for how connections end. Clients need not send anything; what they
 * send is ignored.
 *
 * <p>Pings go out every {@link Settings#pingInterval}, keeping idle connections open through proxies, and a peer
 * that has not answered for one and a half intervals is dropped.
 */
public final class WebSocketApi {
  private static final Logger LOG = Logger.getLogger(WebSocketApi.class.getName());
  /** How long start-up waits for the listening socket. */
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
  private static final int SENDER_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final Server server;
  private final AtomicBoolean stopped = new AtomicBoolean();

  /**
   * @param sendBuffer live events a client may fall behind by before it is closed with 1013
   * @param pingInterval between pings; zero sends none and never drops a silent peer
   */
  public record Settings(int sendBuffer, Duration pingInterval) {
    public Settings {
      if (sendBuffer < 1) {
        throw new IllegalArgumentException("the WebSocket send buffer must be at least 1 event, was " + sendBuffer);
      }
      Objects.requireNonNull(pingInterval, "pingInterval");
    }
  }

  private WebSocketApi(Server server) {
    this.server = server;
  }

  /**
   * Starts serving, and returns once the port is bound.
   *
   * @param port 0 picks a free port; see {@link #port()}
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static WebSocketApi start(Orchestrator orchestrator, String bindAddress, int port, Settings settings) {
    Server server = new Server(Objects.requireNonNull(orchestrator, "orchestrator"),
        new InetSocketAddress(bindAddress, port), settings);
    server.start();
    try {
      server.started.get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      server.stopQuietly();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new UncheckedIOException("cannot listen for WebSocket on " + bindAddress + ":" + port + ": "
          + cause.getMessage(), cause instanceof IOException io ? io : new IOException(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.stopQuietly();
      throw new IllegalStateException("interrupted while starting the WebSocket API", e);
    }
    WebSocketApi api = new WebSocketApi(server);
    LOG.info(() -> "WebSocket API listening on " + bindAddress + ":" + api.port());
    return api;
  }

  /** The port actually listened on, also when 0 was asked for. */
  public int port() {
    return server.getPort();
  }

  /** Connections and frames so far. */
  public WebSocketCounters counters() {
    return server.counters;
  }

  /**
   * Closes every connection with 1001 (going away), waits up to {@code grace} for the server's thread to finish, and
   * stops listening. Only the first call does anything.
   */
  public void stop(Duration grace) {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    try {
      server.stop((int) Math.min(Math.max(grace.toMillis(), 1), Integer.MAX_VALUE), "dago is shutting down");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      server.senders.shutdownNow();
    }
  }

  /** The library's callbacks: each connection is parsed, subscribed and handed to its {@link Connection}. */
  private static final class Server extends WebSocketServer {
    final CompletableFuture<Void> started = new CompletableFuture<>();
    final WebSocketCounters counters = new WebSocketCounters();
    /** Where connections' drains run; see {@link Connection} for why these are platform threads. */
    final ExecutorService senders = Executors.newFixedThreadPool(SENDER_THREADS,
        Thread.ofPlatform().name("dago-ws-sender-", 0).daemon().factory());
    private final Orchestrator orchestrator;
    private final Settings settings;

    Server(Orchestrator orchestrator, InetSocketAddress address, Settings settings) {
      super(address);
      this.orchestrator = orchestrator;
      this.settings = settings;
      setWebSocketFactory(new CountedChannel.Factory());
      setReuseAddr(true);
      // Event frames are small and latency matters more than packet count.
      setTcpNoDelay(true);
      setDaemon(true);
      setConnectionLostTimeout((int) settings.pingInterval().toSeconds());
    }

    @Override
    public void onStart() {
      started.complete(null);
    }

    @Override
    public void onOpen(WebSocket socket, ClientHandshake handshake) {
      counters.connectionOpened();
      try {
        open(socket, handshake);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "cannot serve WebSocket request " + handshake.getResourceDescriptor(), e);
        if (socket.getAttachment() instanceof Connection connection) {
          connection.ended();
        }
        socket.close(CloseCodes.INTERNAL_ERROR, "internal error");
      }
    }

    private void open(WebSocket socket, ClientHandshake handshake) {
      CountedChannel channel = socket.getAttachment();
      Target target;
      try {
        target = Target.parse(handshake.getResourceDescriptor());
      } catch (Target.BadRequest e) {
        socket.close(CloseCodes.BAD_REQUEST, CloseCodes.reason(e.getMessage()));
        return;
      }
      switch (target) {
        case Target.Follow follow -> follow(socket, channel, follow);
        case Target.Firehose firehose -> {
          Connection connection = new Connection(socket, channel, counters, senders, settings.sendBuffer(), false,
              firehose.filter());
          socket.setAttachment(connection);
          connection.start(orchestrator::followAll);
        }
      }
    }

    private void follow(WebSocket socket, CountedChannel channel, Target.Follow follow) {
      Connection connection = new Connection(socket, channel, counters, senders, settings.sendBuffer(), true,
          event -> true);
      socket.setAttachment(connection);
      try {
        connection.start(listener -> orchestrator.follow(follow.graphId(), follow.afterSeq(), listener));
        // A finished graph's log is complete, so whatever follows afterSeq has been queued by now, its terminal event
        // included; if there was nothing, the client has seen it all already.
        if (orchestrator.get(follow.graphId()).status().isTerminal()) {
          connection.finishWhenDrained();
        }
      } catch (GraphNotFoundException e) {
        connection.ended();
        socket.close(CloseCodes.NOT_FOUND, CloseCodes.reason("no graph with id '" + follow.graphId() + "'"));
      }
    }

    @Override
    public void onClose(WebSocket socket, int code, String reason, boolean remote) {
      counters.connectionClosed();
      if (socket.getAttachment() instanceof Connection connection) {
        connection.ended();
      }
    }

    @Override
    public void onMessage(WebSocket socket, String message) {
      // The API only sends.
    }

    @Override
    public void onError(WebSocket socket, Exception e) {
      if (socket == null) {
        // Start-up failed, or the server's thread died; the library stops the server itself.
        if (!started.completeExceptionally(e)) {
          LOG.log(Level.SEVERE, "WebSocket server failed", e);
        }
      } else {
        LOG.log(Level.FINE, "WebSocket connection error", e);
      }
    }

    void stopQuietly() {
      try {
        stop(0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        senders.shutdownNow();
      }
    }
  }
}
