package io.dago.api.grpc;

import io.dago.engine.Orchestrator;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * dago's gRPC API on Netty: {@code dago.v1.Orchestrator} (see {@code dago/v1/dago.proto}, also inside the jar),
 * the standard health service, and server reflection, so that tools such as grpcurl need no proto file.
 *
 * <p>Calls run on virtual threads, as HTTP exchanges do: a long poll or a slow state store then holds a cheap
 * thread, never an event loop.
 */
public final class GrpcApi {
  private static final Logger LOG = Logger.getLogger(GrpcApi.class.getName());

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
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, was " + maxMessageBytes);
    }
    ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dago-grpc-", 0).factory());
    OrchestratorService service = new OrchestratorService(orchestrator, executor);
    HealthReporter health = new HealthReporter(orchestrator);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(bindAddress, port))
        .executor(executor)
        .maxInboundMessageSize((int) Math.min(maxMessageBytes, Integer.MAX_VALUE))
        // Server-wide, so outside StatusMapping: it reports the status the client gets.
        .intercept(new CallReporting(observer))
        .addService(ServerInterceptors.intercept(service, new StatusMapping(), new TraceparentMetadata()))
        .addService(health.service())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(reflectionV1Alpha())
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
    LOG.info(() -> "gRPC API listening on " + bindAddress + ":" + api.port());
    return api;
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
