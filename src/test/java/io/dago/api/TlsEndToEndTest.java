package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.Graph;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.config.ConfigException;
import io.dago.json.Json;
import io.dago.testing.DagoProcess;
import io.dago.testing.SelfSignedCertificate;
import io.dago.testing.TestConfigs;
import io.dago.testing.WsRecorder;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dago with {@code DAGO_TLS_CERT} and {@code DAGO_TLS_KEY} set to a pair made by openssl: HTTPS, WSS and gRPC over
 * TLS all serve it to clients that trust it, and refuse clients that speak in the clear.
 */
class TlsEndToEndTest {
  private static final String GRAPH = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"over TLS\"}]}";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  static Path dir;
  private static SelfSignedCertificate pair;
  private static Dago dago;
  private static HttpClient trusting;

  @BeforeAll
  static void start() {
    pair = SelfSignedCertificate.rsa(dir);
    dago = Dago.start(TestConfigs.embedded("LLM_PROVIDER", "echo",
        "DAGO_TLS_CERT", pair.cert().toString(), "DAGO_TLS_KEY", pair.key().toString()));
    trusting = HttpClient.newBuilder().sslContext(pair.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (dago != null) {
      dago.close();
    }
  }

  private static URI https(String path) {
    return URI.create("https://127.0.0.1:" + dago.httpPort() + path);
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String submitOverHttps() throws Exception {
    HttpResponse<String> submitted = send(trusting, HttpRequest.newBuilder(https("/api/v1/graphs"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(GRAPH)).build());
    assertEquals(202, submitted.statusCode(), submitted.body());
    return (String) Json.parseObject(submitted.body().getBytes(StandardCharsets.UTF_8)).get("id");
  }

  @Test
  void https_servesAClientThatTrustsTheCertificate() throws Exception {
    String id = submitOverHttps();

    HttpResponse<String> finished = send(trusting, HttpRequest.newBuilder(https("/api/v1/graphs/" + id + "?wait=20"))
        .build());

    assertEquals(200, finished.statusCode());
    Map<String, Object> graph = Json.parseObject(finished.body().getBytes(StandardCharsets.UTF_8));
    assertEquals("completed", graph.get("status"), finished.body());
    assertEquals(200, send(trusting, HttpRequest.newBuilder(https("/health")).build()).statusCode());
  }

  @Test
  void plainHttpToTheTlsPort_getsNoAnswer() {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + "/health"))
        .timeout(WAIT).build();

    assertThrows(IOException.class, () -> send(plain, request));
  }

  @Test
  void clientThatDoesNotTrustTheCertificate_failsTheHandshake() {
    HttpClient jvmTrust = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    IOException e = assertThrows(IOException.class, () -> send(jvmTrust, HttpRequest.newBuilder(https("/health"))
        .timeout(WAIT).build()));

    assertInstanceOf(SSLHandshakeException.class, e, e.toString());
  }

  @Test
  void wss_deliversAGraphsEventsOverTls() throws Exception {
    String id = submitOverHttps();

    try (WsRecorder ws = WsRecorder.connect(trusting,
        URI.create("wss://127.0.0.1:" + dago.wsPort() + "/api/v1/graphs/" + id + "/events"))) {
      List<String> types = new ArrayList<>();
      for (String message; !types.contains("GraphCompleted") && (message = ws.poll(WAIT)) != null; ) {
        types.add((String) Json.parseObject(message.getBytes(StandardCharsets.UTF_8)).get("type"));
      }

      assertEquals(List.of("GraphSubmitted", "GraphStarted", "NodeStarted", "NodeCompleted", "GraphCompleted"), types);
      assertEquals(1000, ws.awaitClose(WAIT).code());
    }
  }

  @Test
  void plainWebSocketToTheTlsPort_fails() {
    HttpClient plain = HttpClient.newHttpClient();

    Exception e = assertThrows(Exception.class, () -> WsRecorder.connect(plain,
        URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/events")));

    assertFalse(e.toString().isEmpty());
  }

  @Test
  void grpc_servesAClientThatTrustsTheCertificate() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort())
        .sslContext(GrpcSslContexts.forClient().trustManager(pair.cert().toFile()).build())
        .build();
    try {
      OrchestratorGrpc.OrchestratorBlockingStub stub = OrchestratorGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS);
      String id = stub.submitGraph(SubmitGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
          .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("over TLS"))).build()).getId();

      Graph graph = stub.getGraph(GetGraphRequest.newBuilder().setGraphId(id).setWaitSeconds(20).build());

      assertEquals("completed", graph.getStatus());
      assertEquals("echo: over TLS", graph.getNodes(0).getOutput());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void grpcInPlaintextToTheTlsPort_isUnavailable() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> OrchestratorGrpc
          .newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .getGraph(GetGraphRequest.newBuilder().setGraphId("nope").build()));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void ecCertificate_servesHttps(@TempDir Path ecDir) throws Exception {
    SelfSignedCertificate ec = SelfSignedCertificate.ec(ecDir);
    try (Dago ecDago = Dago.start(TestConfigs.embedded("LLM_PROVIDER", "echo",
        "DAGO_TLS_CERT", ec.cert().toString(), "DAGO_TLS_KEY", ec.key().toString()))) {
      HttpClient client = HttpClient.newBuilder().sslContext(ec.clientContext()).build();

      HttpResponse<String> health = send(client, HttpRequest.newBuilder(
          URI.create("https://127.0.0.1:" + ecDago.httpPort() + "/health")).build());

      assertEquals(200, health.statusCode());
    }
  }

  @Test
  void keyThatIsNotAKey_stopsStartUpNamingDagoTlsKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> Dago.start(TestConfigs.embedded(
        "DAGO_TLS_CERT", pair.cert().toString(), "DAGO_TLS_KEY", pair.cert().toString())));

    assertTrue(e.getMessage().startsWith("DAGO_TLS_KEY: "), e.getMessage());
  }

  @Test
  void badCertificateFile_endsTheProcessWithOneLineNamingDagoTlsCert() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad-cert.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n");

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> DagoProcess.start(Map.of(
        "LLM_PROVIDER", "echo", "DAGO_TLS_CERT", bad.toString(), "DAGO_TLS_KEY", pair.key().toString())));

    String log = e.getMessage().substring(e.getMessage().indexOf("its log:\n") + "its log:\n".length());
    assertTrue(e.getMessage().contains("exit code 2"), e.getMessage());
    assertEquals(List.of("dago: configuration error: DAGO_TLS_CERT: " + bad
        + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"), log.lines().toList());
  }
}
