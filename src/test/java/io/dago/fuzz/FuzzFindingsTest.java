package io.dago.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.api.grpc.v1.CancelGraphRequest;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What fuzzing found, one test per finding, named after it. The first four are bugs and fail until they are fixed;
 * the last two pin how the JDK's HTTP server treats requests before dago sees them, which the README should say.
 */
class FuzzFindingsTest {
  private static final String GRAPH = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}]}";
  private static Dago dago;

  @BeforeAll
  static void start() {
    dago = Healthy.startServer();
  }

  @AfterAll
  static void stop() {
    dago.close();
  }

  /**
   * Bug: {@code RequestBody.isJson} splits the header on ';' and reads element 0, but {@code ";".split(";")} is an
   * empty array (split drops trailing empty strings), so the ArrayIndexOutOfBoundsException becomes a 500 and a
   * SEVERE "unexpected error" line. Any Content-Type made only of semicolons does it.
   */
  @ParameterizedTest
  @ValueSource(strings = {";", ";;;", " ; "})
  void contentTypeOfOnlySemicolons_is415_notA500(String contentType) throws Exception {
    RawHttp.Answer answer = post("/api/v1/graphs", contentType, GRAPH.getBytes(StandardCharsets.UTF_8));

    assertEquals(415, answer.status(), answer.toString());
    assertTrue(answer.bodyText().contains("\"unsupported_media_type\""), answer.toString());
  }

  /**
   * Bug: dago's JSON codec (jackson-core 2.21's UTF-8 parser) decodes some byte sequences that are not UTF-8 instead
   * of refusing them: overlong forms ({@code C0 AF} is read as '/') and four-byte forms above U+10FFFF or overlong
   * ({@code F4 90 80 80}, {@code F0 80 80 80}) become lone surrogates. A body that is not UTF-8 is not JSON, and the
   * README promises 400 {@code invalid_json} for it. Fix: check the bytes with a strict UTF-8 decoder in
   * {@code Json.parse} before Jackson sees them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"c0af", "e080af", "f08080af", "f4908080", "f0808080"})
  void bytesThatAreNotUtf8_areInvalidJson_notDecoded(String hex) {
    byte[] bad = HexFormat.of().parseHex(hex);

    assertThrows(InvalidJsonException.class, () -> Json.parse(document("{\"k\":\"v", bad, "\"}")),
        "in a string value");
    assertThrows(InvalidJsonException.class, () -> Json.parse(document("{\"k", bad, "\":1}")), "in a key");
  }

  /**
   * Bug, the visible end of the one above: an input key with {@code F4 90 80 80} is accepted (202), and the answer
   * then holds the key as {@code "k\uDC00\uDC00"}, which dago's own codec (and any client on Jackson) cannot read
   * back: "Unexpected low surrogate in field name".
   */
  @Test
  void invalidUtf8InAnInputKey_isRefused_ratherThanEchoedAsAKeyNoParserReads() throws Exception {
    byte[] body = document("{\"input\": {\"k", HexFormat.of().parseHex("f4908080"),
        "\": \"v\"}, \"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}]}");

    RawHttp.Answer answer = post("/api/v1/graphs", "application/json", body);

    assertEquals(400, answer.status(), answer.toString());
    assertInstanceOf(java.util.Map.class, Json.parse(answer.body()));
  }

  /**
   * Bug: the not-found message quoted the requested id whole. Over gRPC it goes percent-encoded into the
   * {@code grpc-message} trailer, so a long id of non-ASCII text (here 9 KiB once encoded) made trailers the client
   * refuses above 8 KiB: the call ended INTERNAL "http2 exception" and took the calls sharing its connection with it.
   */
  @Test
  void aLongUnknownGraphId_isNotFound_overGrpc_withoutBreakingTheConnection() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
    try {
      OrchestratorGrpc.OrchestratorBlockingStub stub =
          OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      String id = "\u00e9".repeat(1_500);

      StatusRuntimeException cancel = assertThrows(StatusRuntimeException.class,
          () -> stub.cancelGraph(CancelGraphRequest.newBuilder().setGraphId(id).build()));
      StatusRuntimeException get = assertThrows(StatusRuntimeException.class,
          () -> stub.getGraph(GetGraphRequest.newBuilder().setGraphId(id).build()));

      assertEquals(Status.Code.NOT_FOUND, cancel.getStatus().getCode(), cancel.getStatus().toString());
      assertEquals(Status.Code.NOT_FOUND, get.getStatus().getCode(), get.getStatus().toString());
      assertTrue(get.getStatus().getDescription().length() < 100, get.getStatus().getDescription());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Not dago's code: the JDK's server closes, without an answer, the connection of a request with more than 200
   * header lines ({@code sun.net.httpserver.maxReqHeaders}), well before {@code DAGO_MAX_HEADER_BYTES} is reached;
   * the README's limits section does not say so.
   */
  @Test
  void moreThan200HeaderLines_closeTheConnectionUnanswered() throws Exception {
    List<String[]> headers = new ArrayList<>();
    for (int i = 0; i < 201; i++) {
      headers.add(new String[] {"X-H" + i, "v"});
    }
    HttpCase request = HttpCase.request("201 headers", "GET", "/health", headers, new byte[0]);

    RawHttp.Outcome outcome = RawHttp.exchange(dago.httpPort(), request.bytes(), false, false, Duration.ofSeconds(10));

    assertInstanceOf(RawHttp.Closed.class, outcome);
  }

  /**
   * Not dago's code: a transfer coding other than {@code chunked} is refused by the JDK's server with its own
   * {@code 501 Not Implemented} HTML page (as RFC 9112 asks), the one 5xx a client can cause, and not JSON.
   */
  @Test
  void anUnknownTransferCoding_getsTheJdksOwn501() throws Exception {
    HttpCase request = HttpCase.request("gzip", "POST", "/api/v1/graphs", List.<String[]>of(
        new String[] {"Content-Type", "application/json"}, new String[] {"Transfer-Encoding", "gzip"}),
        GRAPH.getBytes(StandardCharsets.UTF_8)).withoutContentLength();

    RawHttp.Outcome outcome = RawHttp.exchange(dago.httpPort(), request.bytes(), true, false, Duration.ofSeconds(10));

    RawHttp.Answer answer = assertInstanceOf(RawHttp.Answer.class, outcome);
    assertEquals(501, answer.status());
    assertEquals("text/html", answer.header("content-type"));
  }

  private static RawHttp.Answer post(String path, String contentType, byte[] body) throws Exception {
    HttpCase request = HttpCase.request("finding", "POST", path,
        List.<String[]>of(new String[] {"Content-Type", contentType}), body);
    RawHttp.Outcome outcome = RawHttp.exchange(dago.httpPort(), request.bytes(), false, false, Duration.ofSeconds(10));
    return assertInstanceOf(RawHttp.Answer.class, outcome);
  }

  private static byte[] document(String before, byte[] bad, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bad);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
