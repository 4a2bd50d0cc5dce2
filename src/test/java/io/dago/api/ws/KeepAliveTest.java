package io.dago.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.engine.Orchestrator;
import io.dago.json.Json;
import io.dago.llm.echo.EchoProvider;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.store.memory.InMemoryEventBus;
import io.dago.store.memory.InMemoryStateStore;
import io.dago.store.memory.InMemoryTaskQueue;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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

  /**
   * The server closes a finished graph's connection right after its close frame; a ping the client sends just then
   * must not turn into a reset that fails the client's next write and can take the unread frames with it.
   */
  @Test
  void aClientWhoseDataCrossesTheCloseStillReadsEveryEventAndTheCloseFrame() throws Exception {
    GraphView submitted = orchestrator.submit(Json.parseObject(
        "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}]}".getBytes(StandardCharsets.UTF_8)), null);
    GraphView done = orchestrator.await(submitted.id(), Duration.ofSeconds(10));
    assertEquals(GraphStatus.COMPLETED, done.status());
    try (Socket socket = new Socket("127.0.0.1", api.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET /api/v1/graphs/" + done.id() + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      assertTrue(readLine(in).startsWith("HTTP/1.1 101"));
      while (!readLine(in).isEmpty()) {
        // headers
      }
      // The history and the close frame are on their way and the server has closed its end; without reading them,
      // the client pings twice, a moment apart (masked, empty).
      await(() -> api.counters().closed() == 1, Duration.ofSeconds(5), "the server closed the connection");
      byte[] ping = {(byte) 0x89, (byte) 0x80, 0, 0, 0, 0};
      out.write(ping);
      out.flush();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
      out.write(ping);
      out.flush();

      int events = 0;
      int closeCode = -1;
      while (closeCode < 0) {
        int opcode = in.readUnsignedByte() & 0x0F;
        int length = in.readUnsignedByte() & 0x7F;
        if (length == 126) {
          length = in.readUnsignedShort();
        }
        byte[] payload = in.readNBytes(length);
        if (opcode == 1) {
          events++;
        } else if (opcode == 8) {
          closeCode = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }
      }
      assertEquals(5, events, "submitted, started, node started, node completed, graph completed");
      assertEquals(1000, closeCode);
    }
  }

  private static String readLine(DataInputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new EOFException("connection closed in the handshake");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
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
