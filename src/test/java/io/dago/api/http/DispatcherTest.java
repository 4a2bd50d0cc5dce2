package io.dago.api.http;

import io.dago.testing.TestClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.dago.engine.GraphFinishedException;
import io.dago.engine.GraphNotFoundException;
import io.dago.engine.IdempotencyConflictException;
import io.dago.graph.InvalidGraphException;
import io.dago.graph.Problem;
import io.dago.state.GraphStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP plumbing and the real exception mapping, on a real server whose routes are stand-ins, so that none of it
 * needs the engine.
 */
class DispatcherTest {
  private static final int MAX_BODY = 1024;

  private HttpServer server;
  private ExecutorService executor;
  private TestClient client;

  @BeforeEach
  void start() throws IOException {
    Router router = new Router()
        .post("/echo", request -> Response.ok(request.jsonObject()))
        .post("/ignore-body", request -> Response.ok(Map.of("ignored", true)))
        .get("/graphs/{id}", request -> {
          String id = request.graphId();
          if (id.equals("missing")) {
            throw new GraphNotFoundException(id);
          }
          return Response.ok(Map.of("id", id));
        })
        .post("/graphs/{id}/cancel", request -> {
          throw new GraphFinishedException(request.graphId(), GraphStatus.COMPLETED);
        })
        .post("/idempotent", request -> {
          throw new IdempotencyConflictException("g1");
        })
        .post("/invalid", request -> {
          throw new InvalidGraphException(List.of(new Problem("$.nodes[0].id", "is missing"),
              new Problem("$.nodes[1].depends_on[0]", "names no node")));
        })
        .get("/boom", request -> {
          throw new IllegalStateException("secret internals");
        })
        .get("/interrupted", request -> {
          throw new InterruptedException();
        });
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/", new Dispatcher(router, HttpApi.exceptionMapping(), MAX_BODY));
    server.start();
    client = new TestClient(server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Test
  void jsonBodyIsReadAndAnsweredAsJson() throws Exception {
    TestClient.Reply reply = client.postJson("/echo", "{\"b\": 1, \"a\": [true, null]}");

    assertEquals(200, reply.status());
    assertEquals("application/json", reply.header("Content-Type"));
    assertEquals("{\"b\":1,\"a\":[true,null]}", reply.raw().body());
  }

  @Test
  void unknownRouteIs404NotFound() throws Exception {
    TestClient.Reply reply = client.get("/nowhere");

    assertEquals(404, reply.status());
    assertEquals("not_found", reply.error().get("code"));
    assertEquals("application/json", reply.header("Content-Type"));
  }

  @Test
  void wrongMethodIs405WithAllowHeader() throws Exception {
    TestClient.Reply reply = client.get("/echo");

    assertEquals(405, reply.status());
    assertEquals("method_not_allowed", reply.error().get("code"));
    assertEquals("POST", reply.header("Allow"));
  }

  @Test
  void malformedGraphIdIs404WithoutReachingTheHandlerLogic() throws Exception {
    TestClient.Reply tooLong = client.get("/graphs/" + "a".repeat(65));
    TestClient.Reply badChar = client.get("/graphs/a.b");

    assertEquals(404, tooLong.status());
    assertEquals("not_found", tooLong.error().get("code"));
    assertEquals(404, badChar.status());
    assertEquals(200, client.get("/graphs/" + "a".repeat(64)).status());
  }

  @Test
  void graphNotFoundIs404() throws Exception {
    TestClient.Reply reply = client.get("/graphs/missing");

    assertEquals(404, reply.status());
    assertEquals(Map.of("code", "not_found", "message", "graph 'missing' not found"), reply.error());
  }

  @Test
  void finishedGraphIs409ConflictCarryingItsStatus() throws Exception {
    TestClient.Reply reply = client.postEmpty("/graphs/g1/cancel");

    assertEquals(409, reply.status());
    assertEquals("conflict", reply.error().get("code"));
    assertEquals("completed", reply.error().get("status"));
    assertTrue(((String) reply.error().get("message")).contains("completed"));
  }

  @Test
  void idempotencyConflictIs409() throws Exception {
    TestClient.Reply reply = client.postJson("/idempotent", "{}");

    assertEquals(409, reply.status());
    assertEquals("conflict", reply.error().get("code"));
  }

  @Test
  void invalidGraphIs400WithEveryProblemInDetails() throws Exception {
    TestClient.Reply reply = client.postJson("/invalid", "{}");

    assertEquals(400, reply.status());
    assertEquals("invalid_graph", reply.error().get("code"));
    assertEquals(List.of(Map.of("path", "$.nodes[0].id", "message", "is missing"),
        Map.of("path", "$.nodes[1].depends_on[0]", "message", "names no node")), reply.error().get("details"));
  }

  @Test
  void malformedJsonIs400InvalidJson() throws Exception {
    TestClient.Reply broken = client.postJson("/echo", "{\"a\": ");
    TestClient.Reply trailing = client.postJson("/echo", "{} {}");
    TestClient.Reply notObject = client.postJson("/echo", "[1]");

    for (TestClient.Reply reply : List.of(broken, trailing, notObject)) {
      assertEquals(400, reply.status());
      assertEquals("invalid_json", reply.error().get("code"));
      assertFalse(reply.error().containsKey("details"));
    }
  }

  @Test
  void postWithoutBodyIsInvalidJsonNotUnsupportedMediaType() throws Exception {
    TestClient.Reply reply = client.postEmpty("/echo");

    assertEquals(400, reply.status());
    assertEquals("invalid_json", reply.error().get("code"));
  }

  @Test
  void bodyWithOtherContentTypeIs415() throws Exception {
    TestClient.Reply reply = client.send(client.request("/echo").header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());

    assertEquals(415, reply.status());
    assertEquals("unsupported_media_type", reply.error().get("code"));
  }

  @Test
  void jsonWithUtf8CharsetIsAccepted() throws Exception {
    TestClient.Reply reply = client.send(client.request("/echo")
        .header("Content-Type", "application/json; charset=utf-8")
        .POST(HttpRequest.BodyPublishers.ofString("{\"k\":\"é\"}")).build());

    assertEquals(200, reply.status());
    assertEquals(Map.of("k", "é"), reply.body());
  }

  @Test
  void declaredLengthOverLimitIs413() throws Exception {
    TestClient.Reply reply = client.postJson("/echo", "{\"a\":\"" + "x".repeat(MAX_BODY) + "\"}");

    assertEquals(413, reply.status());
    assertEquals("payload_too_large", reply.error().get("code"));
  }

  @Test
  void chunkedBodyOverLimitIs413() throws Exception {
    byte[] big = ("{\"a\":\"" + "x".repeat(MAX_BODY) + "\"}").getBytes(StandardCharsets.UTF_8);
    TestClient.Reply reply = client.send(client.request("/echo").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build());

    assertEquals(413, reply.status());
  }

  @Test
  void bodyExactlyAtLimitIsAccepted() throws Exception {
    String json = "{\"a\":\"" + "x".repeat(MAX_BODY - 8) + "\"}";
    assertEquals(MAX_BODY, json.length());

    assertEquals(200, client.postJson("/echo", json).status());
  }

  @Test
  void errorWithoutProblemsHasNoDetailsKey() throws Exception {
    TestClient.Reply reply = client.get("/nowhere");

    assertEquals(List.of("code", "message"), List.copyOf(reply.error().keySet()));
  }

  @Test
  void unexpectedExceptionIs500WithErrorIdAndNoInternals() throws Exception {
    TestClient.Reply reply = client.get("/boom");

    assertEquals(500, reply.status());
    assertEquals("internal", reply.error().get("code"));
    String errorId = (String) reply.error().get("error_id");
    assertNotNull(errorId);
    assertTrue(((String) reply.error().get("message")).contains(errorId));
    assertFalse(reply.raw().body().contains("secret"), reply.raw().body());
    assertFalse(reply.raw().body().contains("IllegalStateException"), reply.raw().body());
  }

  @Test
  void interruptedHandlerIs503Unavailable() throws Exception {
    TestClient.Reply reply = client.get("/interrupted");

    assertEquals(503, reply.status());
    assertEquals("unavailable", reply.error().get("code"));
  }

  @Test
  void connectionIsReusedAfterAnUnreadBodyAndAfterA413() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();

      out.write(post("/ignore-body", "{\"unread\": true}"));
      assertEquals(200, readResponse(in).status());

      out.write(post("/echo", "{\"a\":\"" + "x".repeat(MAX_BODY + 100) + "\"}"));
      RawResponse tooLarge = readResponse(in);
      assertEquals(413, tooLarge.status());
      assertFalse(tooLarge.head().toLowerCase().contains("connection: close"), tooLarge.head());

      out.write(post("/echo", "{\"again\":1}"));
      RawResponse again = readResponse(in);
      assertEquals(200, again.status());
      assertEquals("{\"again\":1}", again.body());
    }
  }

  @Test
  void hugeDeclaredBodyIsRefusedWithConnectionClose() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
      socket.setSoTimeout(5_000);
      String head = "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100000000\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));

      RawResponse response = readResponse(socket.getInputStream());

      assertEquals(413, response.status());
      assertTrue(response.head().toLowerCase().contains("connection: close"), response.head());
    }
  }

  private static byte[] post(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n";
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    bytes.writeBytes(body);
    return bytes.toByteArray();
  }

  private record RawResponse(int status, String head, String body) {}

  /** Reads one response with a Content-Length body off a keep-alive connection. */
  private static RawResponse readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).strip());
      }
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    return new RawResponse(Integer.parseInt(text.substring(9, 12)), text, body);
  }
}
