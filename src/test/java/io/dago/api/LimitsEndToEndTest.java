package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.BadRequest;
import io.dago.Dago;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphRequest;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import io.dago.testing.WsRecorder;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The size limits, each at the edge where a real client meets it: header blocks, WebSocket frames, gRPC messages and
 * metadata, JSON nesting, and prompts.
 */
class LimitsEndToEndTest {
  private static final int MAX_HEADER_BYTES = 2048;
  private static final int WS_MAX_FRAME_BYTES = 1024;
  private static final int MAX_BODY_BYTES = 64 * 1024;
  private static final int MAX_PROMPT_BYTES = 1024;
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Dago dago;
  private static TestClient http;
  private static ManagedChannel channel;
  private static OrchestratorGrpc.OrchestratorBlockingStub grpc;

  @BeforeAll
  static void start() {
    dago = Dago.start(TestConfigs.embedded("LLM_PROVIDER", "echo",
        "DAGO_MAX_HEADER_BYTES", String.valueOf(MAX_HEADER_BYTES),
        "DAGO_WS_MAX_FRAME_BYTES", String.valueOf(WS_MAX_FRAME_BYTES),
        "DAGO_MAX_BODY_BYTES", String.valueOf(MAX_BODY_BYTES),
        "DAGO_MAX_PROMPT_BYTES", String.valueOf(MAX_PROMPT_BYTES)));
    http = new TestClient(dago.httpPort());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
    grpc = OrchestratorGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (dago != null) {
      dago.close();
    }
  }

  private static OrchestratorGrpc.OrchestratorBlockingStub grpc() {
    return grpc.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static StatusRuntimeException grpcError(Supplier<?> call) {
    return assertThrows(StatusRuntimeException.class, call::get);
  }

  private static List<BadRequest.FieldViolation> violations(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertNotNull(status, "no status details in " + e);
    for (com.google.protobuf.Any any : status.getDetailsList()) {
      if (any.is(BadRequest.class)) {
        return any.unpack(BadRequest.class).getFieldViolationsList();
      }
    }
    throw new AssertionError("no BadRequest in " + status);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> details(TestClient.Reply reply) {
    return (List<Map<String, Object>>) reply.error().get("details");
  }

  @Test
  void headerBlockOverTheLimit_isAnswered431() throws Exception {
    TestClient.Reply reply = http.send(http.request("/health").header("X-Padding", "p".repeat(3000)).GET().build());

    assertEquals(431, reply.status(), reply.raw().body());
    assertEquals("headers_too_large", reply.error().get("code"));
    assertTrue(((String) reply.error().get("message")).endsWith("more than the limit of 2048 bytes"),
        reply.raw().body());
  }

  @Test
  void headerBlockWithinTheLimit_isServed() throws Exception {
    TestClient.Reply reply = http.send(http.request("/health").header("X-Padding", "p".repeat(1500)).GET().build());

    assertEquals(200, reply.status(), reply.raw().body());
  }

  @Test
  void webSocketFrameOverTheLimit_closesTheConnectionWith1009() throws Exception {
    try (WsRecorder ws = WsRecorder.connect(HttpClient.newHttpClient(),
        URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/events"))) {
      ws.socket().sendText("x".repeat(WS_MAX_FRAME_BYTES), true).join();
      ws.socket().sendText("x".repeat(WS_MAX_FRAME_BYTES + 1), true).join();

      assertEquals(1009, ws.awaitClose(WAIT).code());
    }
  }

  @Test
  void fragmentedWebSocketMessageOverTheLimit_closesTheConnectionWith1009() throws Exception {
    try (WsRecorder ws = WsRecorder.connect(HttpClient.newHttpClient(),
        URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/events"))) {
      ws.socket().sendText("x".repeat(600), false).join();
      ws.socket().sendText("x".repeat(600), true).join();

      assertEquals(1009, ws.awaitClose(WAIT).code());
    }
  }

  @Test
  void grpcMessageOverTheBodyLimit_isResourceExhausted() {
    SubmitGraphRequest large = SubmitGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
        .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("p".repeat(MAX_BODY_BYTES)))).build();

    StatusRuntimeException e = grpcError(() -> grpc().submitGraph(large));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
  }

  /**
   * The server announces the limit in its HTTP/2 settings (SETTINGS_MAX_HEADER_LIST_SIZE), and a grpc-java client
   * then refuses to send the call at all, with INTERNAL; the server would reset the stream of a client that sent it.
   */
  @Test
  void grpcMetadataOverTheHeaderLimit_isRefused() {
    Metadata metadata = new Metadata();
    metadata.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "p".repeat(3000));

    StatusRuntimeException e = grpcError(() -> grpc()
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
        .getGraph(GetGraphRequest.newBuilder().setGraphId("nope").build()));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), e.toString());
    assertEquals("Header size exceeded max allowed size (2048)", e.getCause().getMessage());
  }

  @Test
  void grpcMetadataWithinTheHeaderLimit_isServed() {
    Metadata metadata = new Metadata();
    metadata.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "p".repeat(1000));

    StatusRuntimeException e = grpcError(() -> grpc()
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
        .getGraph(GetGraphRequest.newBuilder().setGraphId("nope").build()));

    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.toString());
  }

  @Test
  void jsonNestedDeeperThanTheLimit_is400InvalidJson() throws Exception {
    String deep = "[".repeat(300) + "]".repeat(300);

    TestClient.Reply reply = http.postJson("/api/v1/graphs",
        "{\"input\": {\"deep\": " + deep + "}, \"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}]}");

    assertEquals(400, reply.status(), reply.raw().body());
    assertEquals("invalid_json", reply.error().get("code"));
  }

  @Test
  void structNestedDeeperThanTheLimit_isInvalidArgument() {
    Value deep = Value.newBuilder().setStringValue("bottom").build();
    for (int i = 0; i < 300; i++) {
      deep = i % 2 == 0
          ? Value.newBuilder().setListValue(ListValue.newBuilder().addValues(deep)).build()
          : Value.newBuilder().setStructValue(Struct.newBuilder().putFields("k", deep)).build();
    }
    SubmitGraphRequest request = SubmitGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
        .setInput(Struct.newBuilder().putFields("deep", deep))
        .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("p"))).build();

    StatusRuntimeException e = grpcError(() -> grpc().submitGraph(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    assertTrue(e.getStatus().getDescription().startsWith(
        "the request cannot be read as dago.v1.Orchestrator/SubmitGraph's request: "), e.toString());
  }

  @Test
  void promptOverTheLimit_is400InvalidGraphWithItsPath_onSubmitAndValidate() throws Exception {
    // 400 characters, 1200 bytes: the limit counts bytes.
    String graph = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"" + "€".repeat(400) + "\"},"
        + "{\"id\": \"b\", \"prompt\": \"fits\", \"system\": \"" + "s".repeat(MAX_PROMPT_BYTES + 1) + "\"}]}";

    for (String path : List.of("/api/v1/graphs", "/api/v1/graphs/validate")) {
      TestClient.Reply reply = http.postJson(path, graph);

      assertEquals(400, reply.status(), path + ": " + reply.raw().body());
      assertEquals("invalid_graph", reply.error().get("code"));
      assertEquals(List.of(
          Map.of("path", "$.nodes[0].prompt",
              "message", "is 1200 bytes long; the limit is 1024 bytes (DAGO_MAX_PROMPT_BYTES)"),
          Map.of("path", "$.nodes[1].system",
              "message", "is 1025 bytes long; the limit is 1024 bytes (DAGO_MAX_PROMPT_BYTES)")), details(reply));
    }
  }

  @Test
  void promptAtTheLimit_isAccepted() throws Exception {
    TestClient.Reply reply = http.postJson("/api/v1/graphs/validate",
        "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"" + "p".repeat(MAX_PROMPT_BYTES) + "\"}]}");

    assertEquals(200, reply.status(), reply.raw().body());
  }

  @Test
  void promptOverTheLimit_isInvalidArgumentWithItsPath_overGrpc() throws Exception {
    ValidateGraphRequest request = ValidateGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
        .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("p".repeat(MAX_PROMPT_BYTES + 1)))).build();

    StatusRuntimeException e = grpcError(() -> grpc().validateGraph(request));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("$.nodes[0].prompt", violations(e).get(0).getField());
  }
}
