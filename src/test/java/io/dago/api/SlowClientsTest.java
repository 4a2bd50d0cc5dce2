package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.testing.DagoProcess;
import io.dago.testing.SelfSignedCertificate;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that are slow on purpose, against dago in a process of its own: the JDK's HTTP server takes its timeouts
 * from system properties it reads once per process, and this test JVM has long fixed them with other servers.
 * Timeouts are short here ({@code DAGO_REQUEST_TIMEOUT_SECONDS=2}, {@code DAGO_IDLE_TIMEOUT_SECONDS=1}); each
 * test measures when the server closes the connection, from raw sockets that show exactly what the server does.
 */
class SlowClientsTest {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
  private static final int MAX_HEADER_BYTES = 1024;
  /** Timers look every quarter of a timeout; the rest is room for a busy machine. */
  private static final Duration SLACK = Duration.ofMillis(2500);
  /** No test waits longer than this for a close. */
  private static final int GIVE_UP_MILLIS = 15_000;

  private static DagoProcess dago;

  @BeforeAll
  static void start() {
    dago = DagoProcess.start(Map.of("LLM_PROVIDER", "echo",
        "DAGO_REQUEST_TIMEOUT_SECONDS", String.valueOf(REQUEST_TIMEOUT.toSeconds()),
        "DAGO_IDLE_TIMEOUT_SECONDS", String.valueOf(IDLE_TIMEOUT.toSeconds()),
        "DAGO_MAX_HEADER_BYTES", String.valueOf(MAX_HEADER_BYTES)));
  }

  @AfterAll
  static void stop() {
    if (dago != null) {
      dago.close();
    }
  }

  /** What the server sent before it closed the connection, and when it closed it. */
  private record Ending(String received, Duration after) {}

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(GIVE_UP_MILLIS);
    return socket;
  }

  /** Reads until the server closes the connection (or resets it), timing from {@code since}. */
  private static Ending awaitClosed(Socket socket, long since) throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        received.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      fail("the server kept the connection open for " + GIVE_UP_MILLIS + " ms; received: " + received);
    } catch (SocketException e) {
      // A reset: closed as well.
    }
    return new Ending(received.toString(StandardCharsets.ISO_8859_1), Duration.ofNanos(System.nanoTime() - since));
  }

  private static void assertClosedAbout(Duration timeout, Ending ending) {
    assertTrue(ending.after().compareTo(timeout.minusMillis(100)) >= 0, "closed early, after " + ending.after());
    assertTrue(ending.after().compareTo(timeout.plus(SLACK)) <= 0, "closed late, after " + ending.after());
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Sends one byte every half second on a thread of its own, until the connection breaks or it is stopped. */
  private static AtomicBoolean trickle(Socket socket) {
    AtomicBoolean stop = new AtomicBoolean();
    Thread.ofVirtual().start(() -> {
      try {
        while (!stop.get()) {
          send(socket, "a");
          Thread.sleep(500);
        }
      } catch (IOException | InterruptedException e) {
        // The server closed the connection: what the test waits for.
      }
    });
    return stop;
  }

  private static int healthStatus() throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + "/health"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void slowlorisSendingHeadersByteByByte_isCutOffAfterTheRequestTimeout_whileOthersAreServed() throws Exception {
    try (Socket slow = connect(dago.httpPort())) {
      send(slow, "GET /health HTTP/1.1\r\nHost: dago\r\nX-Slow: ");
      long since = System.nanoTime();
      AtomicBoolean stop = trickle(slow);
      try {
        // Served meanwhile, on connections of their own.
        for (int i = 0; i < 3; i++) {
          assertEquals(200, healthStatus());
        }

        Ending ending = awaitClosed(slow, since);

        assertEquals("", ending.received(), "the server answered instead of closing");
        assertClosedAbout(REQUEST_TIMEOUT, ending);
        assertEquals(200, healthStatus());
      } finally {
        stop.set(true);
      }
    }
  }

  @Test
  void bodyThatStalls_isCutOffAfterTheRequestTimeout() throws Exception {
    try (Socket slow = connect(dago.httpPort())) {
      send(slow, "POST /api/v1/graphs/validate HTTP/1.1\r\nHost: dago\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"nodes\": ");
      long since = System.nanoTime();

      Ending ending = awaitClosed(slow, since);

      assertEquals("", ending.received());
      assertClosedAbout(REQUEST_TIMEOUT, ending);
      assertEquals(200, healthStatus());
    }
  }

  @Test
  void connectionThatSendsNothing_isClosed() throws Exception {
    try (Socket silent = connect(dago.httpPort())) {
      long since = System.nanoTime();

      Ending ending = awaitClosed(silent, since);

      // A new connection may be silent for the shorter of the two timeouts.
      assertClosedAbout(IDLE_TIMEOUT, ending);
    }
  }

  @Test
  void keepAliveConnection_servesAgain_thenIsClosedAfterTheIdleTimeout() throws Exception {
    try (Socket socket = connect(dago.httpPort())) {
      for (int i = 0; i < 2; i++) {
        send(socket, "GET /health HTTP/1.1\r\nHost: dago\r\n\r\n");
        String head = readResponse(socket);
        assertTrue(head.startsWith("HTTP/1.1 200 "), head);
      }
      long since = System.nanoTime();

      Ending ending = awaitClosed(socket, since);

      assertEquals("", ending.received());
      assertClosedAbout(IDLE_TIMEOUT, ending);
    }
  }

  /** Reads one response with a Content-Length body and returns its head. */
  private static String readResponse(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        fail("the connection closed in the middle of a response: " + head);
      }
      head.append((char) c);
    }
    int length = head.toString().lines()
        .filter(line -> line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
        .mapToInt(line -> Integer.parseInt(line.substring("content-length:".length()).strip()))
        .findFirst().orElseThrow();
    in.readNBytes(length);
    return head.toString();
  }

  @Test
  void headerBlockOverTheLimit_isAnswered431() throws Exception {
    try (Socket socket = connect(dago.httpPort())) {
      send(socket, "GET /health HTTP/1.1\r\nHost: dago\r\nX-Padding: " + "p".repeat(1500) + "\r\n\r\n");

      String head = readResponse(socket);

      assertTrue(head.startsWith("HTTP/1.1 431 "), head);
    }
  }

  /** Past twice the limit the JDK itself refuses the header block: it closes the connection without a word. */
  @Test
  void headerBlockFarOverTheLimit_closesTheConnectionWithoutAnAnswer() throws Exception {
    try (Socket socket = connect(dago.httpPort())) {
      send(socket, "GET /health HTTP/1.1\r\nHost: dago\r\nX-Padding: " + "p".repeat(3 * MAX_HEADER_BYTES) + "\r\n\r\n");

      Ending ending = awaitClosed(socket, System.nanoTime());

      assertEquals("", ending.received());
      assertTrue(ending.after().compareTo(REQUEST_TIMEOUT) < 0, "closed only after " + ending.after());
    }
  }

  @Test
  void webSocketHandshakeThatNeverCompletes_isDroppedAfterTheRequestTimeout() throws Exception {
    try (Socket slow = connect(dago.wsPort())) {
      send(slow, "GET /api/v1/events HTTP/1.1\r\nHost: dago\r\nUpgrade: websocket\r\n");
      long since = System.nanoTime();

      Ending ending = awaitClosed(slow, since);

      assertEquals("", ending.received());
      assertClosedAbout(REQUEST_TIMEOUT, ending);
    }
  }

  @Test
  void webSocketHandshakeOverTheHeaderLimit_isDroppedAtOnce() throws Exception {
    try (Socket socket = connect(dago.wsPort())) {
      send(socket, "GET /api/v1/events HTTP/1.1\r\nHost: dago\r\nX-Padding: " + "p".repeat(2 * MAX_HEADER_BYTES));

      Ending ending = awaitClosed(socket, System.nanoTime());

      assertEquals("", ending.received());
      assertTrue(ending.after().compareTo(REQUEST_TIMEOUT) < 0, "closed only after " + ending.after());
    }
  }

  @Test
  void grpcConnectionThatNeverStartsHttp2_isClosedAfterTheRequestTimeout() throws Exception {
    try (Socket silent = connect(dago.grpcPort())) {
      long since = System.nanoTime();

      Ending ending = awaitClosed(silent, since);

      assertClosedAbout(REQUEST_TIMEOUT, ending);
    }
  }

  /** Over TLS the request timeout covers the TLS handshake: a client that starts one and stalls is dropped. */
  @Test
  void tlsHandshakeThatStalls_isCutOffAfterTheRequestTimeout_onEveryPort(@TempDir Path dir) throws Exception {
    SelfSignedCertificate pair = SelfSignedCertificate.rsa(dir);
    try (DagoProcess tls = DagoProcess.start(Map.of("LLM_PROVIDER", "echo",
        "DAGO_TLS_CERT", pair.cert().toString(), "DAGO_TLS_KEY", pair.key().toString(),
        "DAGO_REQUEST_TIMEOUT_SECONDS", String.valueOf(REQUEST_TIMEOUT.toSeconds()),
        // Longer than the request timeout, so that it is the one that ends the connections.
        "DAGO_IDLE_TIMEOUT_SECONDS", "30"))) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int port : List.of(tls.httpPort(), tls.wsPort(), tls.grpcPort())) {
          Socket socket = connect(port);
          sockets.add(socket);
          // The start of a TLS record that announces a handshake message, and then nothing.
          socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
          socket.getOutputStream().flush();
        }
        long since = System.nanoTime();

        for (Socket socket : sockets) {
          Ending ending = awaitClosed(socket, since);

          // Nothing, or TLS alerts (user_canceled, close_notify) from the JDK's engine as it gives up: no answer.
          assertTrue(ending.received().isEmpty() || ending.received().charAt(0) == 0x15,
              "port " + socket.getPort() + " sent " + ending.received());
          assertClosedAbout(REQUEST_TIMEOUT, ending);
        }
      } finally {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
    }
  }

  @Test
  void grpcConnectionWithoutCalls_isClosedAfterTheIdleTimeout() throws Exception {
    // The client's own idle timer is set far out: a channel that goes idle here was told to by the server.
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext()
        .idleTimeout(1, TimeUnit.HOURS).build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .getGraph(GetGraphRequest.newBuilder().setGraphId("nope").build()));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
      long since = System.nanoTime();

      // The server's GOAWAY takes the channel back to IDLE.
      while (channel.getState(false) == ConnectivityState.READY) {
        assertTrue(System.nanoTime() - since < TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MILLIS),
            "the server kept an idle gRPC connection open");
        Thread.sleep(50);
      }

      Duration after = Duration.ofNanos(System.nanoTime() - since);
      assertEquals(ConnectivityState.IDLE, channel.getState(false));
      assertTrue(after.compareTo(IDLE_TIMEOUT.plus(SLACK)) <= 0, "closed late, after " + after);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
