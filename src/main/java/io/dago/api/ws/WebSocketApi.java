package io.dago.api.ws;

import io.dago.api.AccessGate;
import io.dago.api.Authenticator;
import io.dago.api.Transport;
import io.dago.config.Limits;
import io.dago.engine.GraphNotFoundException;
import io.dago.engine.Orchestrator;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft_6455;
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
 *
 * <p>Limits: a frame (or a fragmented message) from a client larger than {@link Settings#maxFrameBytes} closes the
 * connection with 1009; a connection that has not completed its handshakes (TLS, then WebSocket) within the
 * transport's request timeout, or whose handshake request is larger than its header limit, is dropped.
 *
 * <p>Each handshake is one request to the {@link AccessGate}, with the token of the {@code Authorization} header or,
 * without that header, of the {@code token} query parameter (browsers cannot set headers on a WebSocket). The library
 * can refuse a handshake only with a 404, which would tell the client nothing true, so a refused connection is
 * accepted and closed at once, before anything is sent: 4401 without a valid token, 4429 over the rate limit.
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
   * @param maxFrameBytes the largest frame, or fragmented message, a client may send
   */
  public record Settings(int sendBuffer, Duration pingInterval, int maxFrameBytes) {
    public Settings {
      if (sendBuffer < 1) {
        throw new IllegalArgumentException("the WebSocket send buffer must be at least 1 event, was " + sendBuffer);
      }
      Objects.requireNonNull(pingInterval, "pingInterval");
      if (maxFrameBytes < 1) {
        throw new IllegalArgumentException("the largest WebSocket frame must be at least 1 byte, was " + maxFrameBytes);
      }
    }

    /** With the default frame limit. */
    public Settings(int sendBuffer, Duration pingInterval) {
      this(sendBuffer, pingInterval, Limits.defaults().wsMaxFrameBytes());
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
    return start(orchestrator, bindAddress, port, settings, Transport.plain());
  }

  /**
   * Starts serving, over TLS (wss://) when the transport has TLS material, and returns once the port is bound.
   *
   * @param transport TLS, and the handshake's size limit and deadline (its request timeout)
   */
  public static WebSocketApi start(Orchestrator orchestrator, String bindAddress, int port, Settings settings,
      Transport transport) {
    return start(orchestrator, bindAddress, port, settings, transport, AccessGate.OPEN);
  }

  /**
   * Starts serving behind the access gate, and returns once the port is bound.
   *
   * @param gate asked about every handshake
   */
  public static WebSocketApi start(Orchestrator orchestrator, String bindAddress, int port, Settings settings,
      Transport transport, AccessGate gate) {
    HandshakeCloseRace.install();
    Server server = new Server(Objects.requireNonNull(orchestrator, "orchestrator"),
        new InetSocketAddress(bindAddress, port), settings, transport, gate);
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
    LOG.info(() -> "WebSocket API listening on " + bindAddress + ":" + api.port() + (transport.secure() ? " (wss)" : ""));
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
      server.handshakes.shutdownNow();
    }
  }

  /** The library's callbacks: each connection is parsed, subscribed and handed to its {@link Connection}. */
  private static final class Server extends WebSocketServer {
    final CompletableFuture<Void> started = new CompletableFuture<>();
    final WebSocketCounters counters = new WebSocketCounters();
    /** Where connections' drains run; see {@link Connection} for why these are platform threads. */
    final ExecutorService senders = Executors.newFixedThreadPool(SENDER_THREADS,
        Thread.ofPlatform().name("dago-ws-sender-", 0).daemon().factory());
    /** Handshake deadlines, and the TLS engine's delegated tasks. */
    final ScheduledThreadPoolExecutor handshakes = new ScheduledThreadPoolExecutor(1,
        Thread.ofPlatform().name("dago-ws-handshakes").daemon().factory());
    private final Orchestrator orchestrator;
    private final Settings settings;
    private final AccessGate gate;

    Server(Orchestrator orchestrator, InetSocketAddress address, Settings settings, Transport transport,
        AccessGate gate) {
      super(address, List.of(new Draft_6455(List.of(), settings.maxFrameBytes())));
      this.orchestrator = orchestrator;
      this.settings = settings;
      this.gate = gate;
      setWebSocketFactory(new CountedChannel.Factory(transport.secure() ? transport.tls().sslContext() : null,
          transport.maxHeaderBytes(), transport.requestTimeout(), handshakes));
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
      ((CountedChannel) socket.getAttachment()).opened();
      try {
        if (admitted(socket, handshake)) {
          open(socket, handshake);
        }
      } catch (RuntimeException e) {
        // The path only: the query may hold a token.
        String resource = handshake.getResourceDescriptor();
        LOG.log(Level.WARNING, "cannot serve WebSocket request " + resource.substring(0,
            resource.indexOf('?') < 0 ? resource.length() : resource.indexOf('?')), e);
        if (socket.getAttachment() instanceof Connection connection) {
          connection.ended();
        }
        socket.close(CloseCodes.INTERNAL_ERROR, "internal error");
      }
    }

    /** Closes the connection with 4401 or 4429, and answers false, when the gate refuses it. */
    private boolean admitted(WebSocket socket, ClientHandshake handshake) {
      String authorization = handshake.getFieldValue("Authorization");
      String token = authorization == null || authorization.isEmpty()
          ? Target.token(handshake.getResourceDescriptor())
          : Authenticator.bearerToken(authorization);
      InetSocketAddress remote = socket.getRemoteSocketAddress();
      AccessGate.Verdict verdict = gate.check(AccessGate.Api.WEBSOCKET, token,
          remote == null ? null : remote.getAddress());
      if (verdict.admitted()) {
        return true;
      }
      socket.close(switch (verdict.refusal()) {
        case UNAUTHORIZED -> CloseCodes.UNAUTHORIZED;
        case RATE_LIMITED -> CloseCodes.RATE_LIMITED;
      }, verdict.message());
      return false;
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
        handshakes.shutdownNow();
      }
    }
  }
}
