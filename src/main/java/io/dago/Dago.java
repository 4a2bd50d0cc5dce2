package io.dago;

import io.dago.api.AccessGate;
import io.dago.api.TlsMaterial;
import io.dago.api.Transport;
import io.dago.api.grpc.GrpcApi;
import io.dago.api.http.HttpApi;
import io.dago.api.ws.WebSocketApi;
import io.dago.config.Config;
import io.dago.engine.ObservedEventBus;
import io.dago.engine.Orchestrator;
import io.dago.llm.LlmProvider;
import io.dago.llm.anthropic.AnthropicProvider;
import io.dago.llm.echo.EchoProvider;
import io.dago.metrics.DagoMetrics;
import io.dago.store.EventBus;
import io.dago.store.Storage;
import io.dago.store.memory.InMemoryEventBus;
import io.dago.store.memory.InMemoryReplyCache;
import io.dago.store.memory.InMemoryStateStore;
import io.dago.store.memory.InMemoryTaskQueue;
import io.dago.store.redis.RedisStorage;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import java.util.random.RandomGenerator;

/**
 * One running dago instance: wires the adapters chosen by the configuration to the engine and the APIs,
 * starts them, and stops them in order.
 */
public final class Dago implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Dago.class.getName());

  private final Orchestrator orchestrator;
  private final Storage storage;
  private final HttpApi http;
  private final GrpcApi grpc;
  private final WebSocketApi ws;
  private boolean closed;

  private Dago(Orchestrator orchestrator, Storage storage, HttpApi http, GrpcApi grpc, WebSocketApi ws) {
    this.orchestrator = orchestrator;
    this.storage = storage;
    this.http = http;
    this.grpc = grpc;
    this.ws = ws;
  }

  /** Starts everything the configuration asks for. Ports set to 0 pick a free port; see {@link #httpPort()}. */
  public static Dago start(Config config) {
    Transport transport = transport(config);
    DagoMetrics metrics = config.metricsEnabled() ? DagoMetrics.enabled() : DagoMetrics.disabled();
    Storage storage = config.redisEnabled()
        ? RedisStorage.connect(config, metrics.engine()::eventsPublished)
        : embedded(config, metrics);
    LlmProvider provider = provider(config);
    RandomGenerator random = ThreadLocalRandom.current();
    Orchestrator orchestrator = new Orchestrator(storage.store(), storage.events(), storage.queue(), provider,
        new Orchestrator.Settings(config.workerPoolSize(), config.defaultModel(), config.maxNodes(),
            config.cacheTtl(), config.cacheAll(), config.limits().maxQueuedNodes(),
            config.limits().llmMaxConcurrency(), config.limits().breakerFailures(), config.limits().breakerOpen(),
            config.limits().maxPromptBytes()),
        Clock.tickMillis(ZoneOffset.UTC), random, metrics.engine(), storage.replies());
    metrics.watch(orchestrator);
    if (storage.connections() != null) {
      metrics.watch(storage.connections());
    }
    // What has started so far, stopped in reverse order if a later part cannot start (a port in use, say).
    Deque<Runnable> started = new ArrayDeque<>();
    started.push(storage::close);
    started.push(orchestrator::shutdownNow);
    try {
      // One gate for the three APIs: one token check, and one bucket per caller whichever API it calls.
      AccessGate gate = AccessGate.create(config.security(), config.bindAddress(), metrics.access());
      HttpApi http = HttpApi.start(orchestrator, config.bindAddress(), config.httpPort(), config.maxBodyBytes(),
          metrics.http(), metrics.registry(), transport, gate);
      started.push(() -> http.stop(Duration.ZERO));
      GrpcApi grpc = GrpcApi.start(orchestrator, config.bindAddress(), config.grpcPort(), config.maxBodyBytes(),
          metrics.grpc(), transport, gate);
      started.push(() -> grpc.stop(Duration.ZERO));
      WebSocketApi ws = WebSocketApi.start(orchestrator, config.bindAddress(), config.wsPort(),
          new WebSocketApi.Settings(config.wsSendBuffer(), Duration.ofSeconds(config.wsPingSeconds()),
              config.limits().wsMaxFrameBytes()),
          transport, gate);
      metrics.watch(ws.counters());
      logStarted(config, provider, storage, http, grpc, ws, transport);
      return new Dago(orchestrator, storage, http, grpc, ws);
    } catch (RuntimeException e) {
      started.forEach(Runnable::run);
      throw e;
    }
  }

  /** The TLS material first of all: a bad certificate or key stops start-up before anything connects or listens. */
  private static Transport transport(Config config) {
    if (!config.security().tls()) {
      return Transport.of(null, config.limits());
    }
    TlsMaterial tls = TlsMaterial.load(config.security().tlsCert(), config.security().tlsKey());
    if (!tls.validAt(Instant.now())) {
      LOG.warning("the certificate in DAGO_TLS_CERT is not valid now (" + tls.describe() + "); clients will refuse it");
    }
    return Transport.of(tls, config.limits());
  }

  private static void logStarted(Config config, LlmProvider provider, Storage storage, HttpApi http, GrpcApi grpc,
      WebSocketApi ws, Transport transport) {
    // The ports come first and in this shape: tests (DagoProcess) read them from this line.
    LOG.info(() -> "dago started: HTTP on " + config.bindAddress() + ":" + http.port()
        + ", gRPC on " + config.bindAddress() + ":" + grpc.port()
        + ", WebSocket on " + config.bindAddress() + ":" + ws.port()
        + (transport.secure() ? ", TLS on all three (https, wss, gRPC over TLS; " + transport.tls().describe() + ")"
            : ", no TLS")
        + ", state " + storage.description()
        + ", LLM provider " + provider.name() + ", " + config.workerPoolSize() + " workers");
  }

  /** In memory: nothing survives the process, and nothing is shared. */
  private static Storage embedded(Config config, DagoMetrics metrics) {
    EventBus events = new ObservedEventBus(new InMemoryEventBus(), metrics.engine());
    InMemoryTaskQueue queue = new InMemoryTaskQueue();
    return new Storage(new InMemoryStateStore(events, queue, new InMemoryStateStore.Retention(
        config.limits().maxFinishedGraphs(), config.stateTtl(), InstantSource.system())), events, queue,
        new InMemoryReplyCache(config.cacheMaxEntries()), "embedded in memory", null, queue);
  }

  private static LlmProvider provider(Config config) {
    return switch (config.llmProvider()) {
      case ECHO -> new EchoProvider(config.echoLatency());
      case ANTHROPIC -> new AnthropicProvider(
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
              // Over plain http (a local proxy or gateway) the client would first try an h2c upgrade, and calls to
              // the same server wait while one is pending: a long call would hold up the others. https negotiates.
              .version("http".equalsIgnoreCase(config.llmBaseUrl().getScheme())
                  ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
              .build(),
          config.llmBaseUrl(), config.llmApiKey());
    };
  }

  /** The port the HTTP API actually listens on. */
  public int httpPort() {
    return http.port();
  }

  /** The port the gRPC API actually listens on. */
  public int grpcPort() {
    return grpc.port();
  }

  /** The port the WebSocket API actually listens on. */
  public int wsPort() {
    return ws.port();
  }

  public Orchestrator orchestrator() {
    return orchestrator;
  }

  /** Stops intake, lets running work end within the grace period, then stops everything. Idempotent. */
  public synchronized void shutdown(Duration grace) {
    if (closed) {
      return;
    }
    closed = true;
    http.stop(Duration.ofSeconds(1));
    grpc.stop(Duration.ofSeconds(1));
    ws.stop(Duration.ofSeconds(1));
    try {
      orchestrator.shutdown(grace);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // After the workers: they store their last outcomes through it. What is left stays in Redis for the others.
    storage.close();
  }

  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }
}
