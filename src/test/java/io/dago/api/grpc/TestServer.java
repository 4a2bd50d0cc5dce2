package io.dago.api.grpc;

import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.config.Config;
import io.dago.engine.Orchestrator;
import io.dago.llm.echo.EchoProvider;
import io.dago.store.memory.InMemoryEventBus;
import io.dago.store.memory.InMemoryStateStore;
import io.dago.store.memory.InMemoryTaskQueue;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An orchestrator with the echo provider behind a real gRPC server on a free loopback port, and a client channel
 * to it over Netty.
 */
final class TestServer implements AutoCloseable {
  final Orchestrator orchestrator;
  final GrpcApi api;
  final ManagedChannel channel;

  /** @param echoLatency how long each node takes */
  TestServer(Duration echoLatency) {
    InMemoryEventBus events = new InMemoryEventBus();
    InMemoryTaskQueue queue = new InMemoryTaskQueue();
    orchestrator = new Orchestrator(new InMemoryStateStore(events, queue), events, queue,
        new EchoProvider(echoLatency), new Orchestrator.Settings(16, Config.DEFAULT_MODEL, 10_000),
        InstantSource.system(), ThreadLocalRandom.current());
    api = GrpcApi.start(orchestrator, "127.0.0.1", 0, 4 * 1024 * 1024);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", api.port()).usePlaintext().build();
  }

  OrchestratorGrpc.OrchestratorBlockingStub blocking() {
    return OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  OrchestratorGrpc.OrchestratorStub async() {
    return OrchestratorGrpc.newStub(channel);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    api.stop(Duration.ofSeconds(1));
    orchestrator.shutdownNow();
  }
}
