package io.dago.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.engine.Orchestrator;
import io.dago.llm.echo.EchoProvider;
import io.dago.store.memory.InMemoryEventBus;
import io.dago.store.memory.InMemoryStateStore;
import io.dago.store.memory.InMemoryTaskQueue;
import java.time.Duration;
import java.time.InstantSource;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pings and the end of the server, against the WebSocket API alone, whose counters show what the server saw. */
class KeepAliveTest {
  private Orchestrator orchestrator;
  private WebSocketApi api;

  @BeforeEach
  void start() {
    InMemoryEventBus events = new InMemoryEventBus();
    InMemoryTaskQueue queue = new InMemoryTaskQueue();
    orchestrator = new Orchestrator(new InMemoryStateStore(events, queue), events, queue,
        new EchoProvider(Duration.ZERO), new Orchestrator.Settings(2, "echo", 100), InstantSource.system(),
        new SplittableRandom(1));
    api = WebSocketApi.start(orchestrator, "127.0.0.1", 0, new WebSocketApi.Settings(64, Duration.ofSeconds(1)));
  }

  @AfterEach
  void stop() {
    api.stop(Duration.ofSeconds(1));
    orchestrator.close();
  }

  /** Waits for a condition the server reaches on its own schedule, checking every few milliseconds. */
  private static void await(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  @Test
  void peerThatStopsAnsweringPingsIsDroppedWhileOneThatAnswersStays() throws Exception {
    try (WsClient answering = WsClient.connect(api.port(), "/api/v1/events");
         WsClient silent = WsClient.connectPaused(api.port(), "/api/v1/events")) {
      await(() -> api.counters().opened() == 2, Duration.ofSeconds(5), "both are connected");

      await(() -> api.counters().closed() == 1, Duration.ofSeconds(10), "the silent peer is dropped");

      assertEquals(1, api.counters().current());
      assertEquals(null, answering.poll(Duration.ofMillis(1500)), "no frames, but still connected a ping later");
      assertEquals(1, api.counters().current());
    }
  }

  @Test
  void stoppingTheServerClosesConnectionsWith1001() throws Exception {
    try (WsClient client = WsClient.connect(api.port(), "/api/v1/events")) {
      await(() -> api.counters().opened() == 1, Duration.ofSeconds(5), "it is connected");

      api.stop(Duration.ofSeconds(1));

      assertEquals(new WsClient.Close(1001, "dago is shutting down"), client.awaitClose(Duration.ofSeconds(5)));
    }
  }
}
