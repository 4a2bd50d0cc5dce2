package io.dago.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.api.grpc.v1.Event;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.config.Config;
import io.dago.engine.Orchestrator;
import io.dago.llm.echo.EchoProvider;
import io.dago.store.memory.InMemoryEventBus;
import io.dago.store.memory.InMemoryStateStore;
import io.dago.store.memory.InMemoryTaskQueue;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Flow control of one watch, against a client whose readiness the test decides. */
class EventStreamTest {
  /** Far more than anything here takes, for a busy machine; waits end as soon as their condition holds. */
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private Orchestrator orchestrator;
  private ExecutorService executor;

  @BeforeEach
  void start() {
    InMemoryEventBus events = new InMemoryEventBus();
    InMemoryTaskQueue queue = new InMemoryTaskQueue();
    orchestrator = new Orchestrator(new InMemoryStateStore(events, queue), events, queue,
        new EchoProvider(Duration.ofMillis(100)), new Orchestrator.Settings(4, Config.DEFAULT_MODEL, 100),
        InstantSource.system(), ThreadLocalRandom.current());
    executor = Executors.newVirtualThreadPerTaskExecutor();
  }

  @AfterEach
  void stop() {
    orchestrator.shutdownNow();
    executor.shutdownNow();
  }

  private String submitChain(int length) {
    GraphDefinition.Builder graph = GraphDefinition.newBuilder()
        .addNodes(NodeDefinition.newBuilder().setId("s0").setPrompt("step"));
    for (int i = 1; i < length; i++) {
      graph.addNodes(NodeDefinition.newBuilder().setId("s" + i).setPrompt("step").addDependsOn("s" + (i - 1)));
    }
    return orchestrator.submit(Definitions.document(graph.build()), null).id();
  }

  @Test
  void aClientThatIsNotReady_isSentNothing_untilItIs() throws InterruptedException {
    String id = submitChain(2);
    Client client = new Client(false);
    CountDownLatch ended = new CountDownLatch(1);
    new EventStream(orchestrator, id, 0, client, 16, executor, stream -> ended.countDown()).start();
    orchestrator.await(id, Duration.ofSeconds(10));
    assertEquals(List.of(), client.sent);

    client.becomeReady();

    assertTrue(ended.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
    assertEquals(7, client.sent.size());
    assertEquals("GraphCompleted", client.sent.get(6).getType());
    assertTrue(client.completed);
  }

  @Test
  void aClientThatFallsTooFarBehindLiveEvents_isEndedWithResourceExhausted_toldWhereToResume()
      throws InterruptedException {
    String id = submitChain(10);
    Client client = new Client(true);
    CountDownLatch ended = new CountDownLatch(1);
    new EventStream(orchestrator, id, 0, client, 2, executor, stream -> ended.countDown()).start();
    eventually(() -> !client.sent.isEmpty(), "the stored events have been sent");

    client.ready = false;

    assertTrue(ended.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
    Status status = Status.fromThrowable(client.error);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    long lastSent = client.sent.get(client.sent.size() - 1).getSeq();
    assertTrue(status.getDescription().endsWith("watch again with after_seq " + lastSent + " to resume"),
        status.getDescription());
  }

  private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
      Thread.sleep(5);
    }
  }

  /** The server side of a call as the stream sees it, with readiness set by the test. */
  private static final class Client extends ServerCallStreamObserver<Event> {
    final List<Event> sent = new CopyOnWriteArrayList<>();
    volatile boolean ready;
    volatile Throwable error;
    volatile boolean completed;
    private Runnable onReady = () -> {};

    Client(boolean ready) {
      this.ready = ready;
    }

    void becomeReady() {
      ready = true;
      onReady.run();
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {
      this.onReady = onReadyHandler;
    }

    @Override
    public void onNext(Event value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void disableAutoInboundFlowControl() {}
  }
}
