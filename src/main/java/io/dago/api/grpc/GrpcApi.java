package io.dago.api.grpc;

import io.dago.api.AccessGate;
import io.dago.api.TlsMaterial;
import io.dago.api.Transport;
import io.dago.engine.Orchestrator;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/**
 * dago's gRPC API on Netty: {@code dago.v1.Orchestrator} (see {@code dago/v1/dago.proto}, also inside the jar),
 * the standard health service, and server reflection, so that tools such as grpcurl need no proto file.
 *
 * <p>Every call but those of the health service goes through the {@link AccessGate} first (see {@link Admission}):
 * reflection too, as it describes the API to whoever asks.
 *
 * <p>Calls run on virtual threads, as HTTP exchanges do: a long poll or a slow state store then holds a cheap
 * thread, never an event loop.
 */
public final class GrpcApi {
  private static final Logger LOG = Logger.getLogger(GrpcApi.class.getName());
  /**
   * How often a client may ping a connection to keep it alive: grpc-java clients may ping every 10 s at most, and
   * gRPC's default of 5 min would answer those that do with GOAWAY.
   */
  private static final Duration PERMITTED_KEEPALIVE = Duration.ofSeconds(10);

  private final Server server;
  private final ExecutorService executor;
  private final OrchestratorService service;
  private final HealthReporter health;
  private boolean stopped;

  private GrpcApi(Server server, ExecutorService executor, OrchestratorService service, HealthReporter health) {
    this.server = server;
    this.executor = executor;
    this.service = service;
    this.health = health;
  }

  /** Starts serving at once, with no one watching the calls. */
  public static GrpcApi start(Orchestrator orchestrator, String bindAddress, int port, long maxMessageBytes) {
    return start(orchestrator, bindAddress, port, maxMessageBytes, GrpcObserver.NONE);
  }

  /**
   * Starts serving at once.
   *
   * @param port 0 picks a free port; see {@link #port()}
   * @param maxMessageBytes larger requests are refused with RESOURCE_EXHAUSTED, as HTTP refuses larger bodies
   * @param observer told how every call ended, health and reflection calls included
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static GrpcApi start(Orchestrator orchestrator, String bindAddress, int port, long maxMessageBytes,
      GrpcObserver observer) {
    return start(orchestrator, bindAddress, port, maxMessageBytes, observer, AccessGate.OPEN);
  }

  /**
   * Starts serving at once, behind the access gate.
   *
   * @param gate asked about every call of the orchestrator and reflection services; health calls skip it
   */
  public static GrpcApi start(Orchestrator orchestrator, String bindAddress, int port, long maxMessageBytes,
      GrpcObserver observer, AccessGate gate) {
    return start(orchestrator, bindAddress, port, maxMessageBytes, observer, Transport.plain(), gate);
  }

  /**
   * Starts serving at once, behind the access gate, over TLS when the transport has TLS material.
   *
   * @param transport TLS; metadata larger than its header limit is refused; a connection must finish its handshakes
   *     (TCP to HTTP/2 settings, TLS included) within its request timeout; one without calls for its idle timeout is
   *     closed with GOAWAY, and one quiet that long is pinged and closed if the peer does not answer
   */
  public static GrpcApi start(Orchestrator orchestrator, String bindAddress, int port, long maxMessageBytes,
      GrpcObserver observer, Transport transport, AccessGate gate) {
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, was " + maxMessageBytes);
    }
    ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dago-grpc-", 0).factory());
    OrchestratorService service = new OrchestratorService(orchestrator, executor);
    HealthReporter health = new HealthReporter(orchestrator);
    Admission admission = new Admission(gate);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(bindAddress, port))
        .executor(executor)
        .maxInboundMessageSize((int) Math.min(maxMessageBytes, Integer.MAX_VALUE))
        .maxInboundMetadataSize(transport.maxHeaderBytes())
        .handshakeTimeout(transport.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionIdle(transport.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTime(transport.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(PERMITTED_KEEPALIVE.toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(true)
        .sslContext(transport.secure() ? sslContext(transport.tls()) : null)
        // Server-wide, so outside StatusMapping: it reports the status the client gets.
        .intercept(new CallReporting(observer))
        // The last interceptor runs first: a refused call reaches nothing.
        .addService(UnreadableRequests.answer(
            ServerInterceptors.intercept(service, new StatusMapping(), new TraceparentMetadata(), admission)))
        .addService(health.service())
        .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), admission))
        .addService(ServerInterceptors.intercept(reflectionV1Alpha(), admission))
        .build();
    try {
      server.start();
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException(
          "cannot listen for gRPC on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
    }
    health.start();
    GrpcApi api = new GrpcApi(server, executor, service, health);
    LOG.info(() -> "gRPC API listening on " + bindAddress + ":" + api.port() + (transport.secure() ? " (TLS)" : ""));
    return api;
  }

  /** Netty's TLS context from the same key and chain HTTPS and WSS serve, with gRPC's ciphers and ALPN. */
  private static SslContext sslContext(TlsMaterial tls) {
    try {
      return GrpcSslContexts.configure(SslContextBuilder.forServer(tls.key(), tls.chain())).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build gRPC's TLS context: " + e.getMessage(), e);
    }
  }

  /** The first version of server reflection, which older clients (grpcurl before 1.8.8 among them) still ask for. */
  @SuppressWarnings("deprecation")
  private static io.grpc.BindableService reflectionV1Alpha() {
    return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
  }

  /** The port actually listened on, also when 0 was asked for. */
  public int port() {
    return server.getPort();
  }

  /** Watches still open; for tests and diagnostics. */
  int openWatches() {
    return service.openWatches();
  }

  /**
   * Stops gracefully: health turns NOT_SERVING, new calls are refused, open watches end with UNAVAILABLE (the
   * client resumes elsewhere with its last seq), and calls in flight get the grace period to finish before they are
   * cancelled. Idempotent.
   */
  public synchronized void stop(Duration grace) {
    if (stopped) {
      return;
    }
    stopped = true;
    health.close();
    server.shutdown();
    service.stopWatches();
    try {
      if (!server.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        LOG.warning("gRPC calls still running after " + grace + "; cancelling them");
        server.shutdownNow();
        server.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      executor.shutdown();
    }
  }
}
