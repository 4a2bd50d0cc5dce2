package io.dago.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.dago.Dago;
import io.dago.api.grpc.v1.CancelGraphRequest;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.ListGraphsRequest;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphRequest;
import io.dago.api.grpc.v1.WatchGraphRequest;
import io.dago.json.Json;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every case in {@code src/test/resources/fuzz-corpus/} (the format is in its README) against one server:
 * the nastiest requests the fuzzers found or that were picked by hand, each checked for the same properties as in
 * {@link HttpFuzzTest}, {@link GrpcFuzzTest} and {@link WebSocketFuzzTest}, plus the exact status where the file
 * names one. No case may make dago log an unexpected error, and the server must be healthy after them all.
 */
class FuzzCorpusTest {
  private static final Duration DEADLINE = Duration.ofSeconds(15);

  private static Dago dago;
  private static SevereLogs severe;
  private static ManagedChannel channel;
  /** A finished graph, for cases that name {@code {graph}}. */
  private static String graph;

  @BeforeAll
  static void start() throws Exception {
    severe = new SevereLogs();
    dago = Healthy.startServer();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
    HttpCase submit = HttpCase.request("a graph for {graph}", "POST", "/api/v1/graphs",
        List.<String[]>of(new String[] {"Content-Type", "application/json"}),
        "{\"nodes\":[{\"id\":\"a\",\"prompt\":\"hi\"},{\"id\":\"b\",\"depends_on\":[\"a\"],\"prompt\":\"{{nodes.a.output}}\"}]}"
            .getBytes(StandardCharsets.UTF_8));
    RawHttp.Answer answer = (RawHttp.Answer) RawHttp.exchange(dago.httpPort(), submit.bytes(), false, false, DEADLINE);
    graph = (String) Json.parseObject(answer.body()).get("id");
    Healthy.finished(dago, graph);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (dago != null) {
        Healthy.assertHealthyAndWorking(dago);
      }
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      if (dago != null) {
        dago.close();
      }
      if (severe != null) {
        severe.close();
      }
    }
  }

  static Stream<String> cases() throws Exception {
    try (Stream<Path> files = Files.list(corpus())) {
      List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("README.md")).sorted()
          .toList();
      assertTrue(names.size() >= 30, "the corpus has " + names.size() + " cases");
      return names.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void replay(String name) throws Exception {
    String text = Files.readString(corpus().resolve(name), StandardCharsets.UTF_8).replace("{graph}", graph);
    int severeBefore = severe.lines().size();
    if (name.startsWith("http-")) {
      HttpCase request = HttpCase.parseCorpus(text);
      RawHttp.Outcome outcome = RawHttp.exchange(dago.httpPort(), request.bytes(), request.halfClose(),
          request.head(), DEADLINE);
      String problem = Answers.problem(request, outcome);
      assertNull(problem, () -> name + ": " + problem);
    } else if (name.startsWith("ws-")) {
      WsCorpusCase request = WsCorpusCase.parse(text);
      RawWebSocket.Outcome outcome = RawWebSocket.connect(dago.wsPort(), request.target(), Duration.ofSeconds(2));
      WsCase fuzzCase = new WsCase(name, request.target(), false);
      String problem = fuzzCase.problem(outcome);
      assertNull(problem, () -> name + ": " + problem + "; " + outcome);
      request.check(outcome);
    } else if (name.startsWith("grpc-")) {
      GrpcCorpusCase request = GrpcCorpusCase.parse(text);
      Status.Code code = Status.Code.OK;
      String description = "";
      try {
        GrpcFuzzTest.send(channel, request.call());
      } catch (StatusRuntimeException e) {
        code = e.getStatus().getCode();
        description = e.getStatus().getDescription();
      }
      assertTrue(GrpcFuzzTest.ACCEPTABLE.contains(code), name + ": " + code + " " + description);
      if (request.expected() != null) {
        assertEquals(request.expected(), code, name + ": " + description);
      }
    } else {
      throw new AssertionError(name + ": a corpus file's name starts with http-, ws- or grpc-");
    }
    List<String> logged = severe.lines();
    assertEquals(severeBefore, logged.size(), () -> name + " made dago log an unexpected error:\n"
        + String.join("\n", logged.subList(severeBefore, logged.size())));
  }

  private static Path corpus() throws URISyntaxException {
    var url = FuzzCorpusTest.class.getResource("/fuzz-corpus");
    assertNotNull(url, "src/test/resources/fuzz-corpus is on the test class path");
    return Path.of(url.toURI());
  }

  /** A {@code ws-*.txt} case: the target, and the close code it must end with ({@code open} for none). */
  record WsCorpusCase(String target, String expect) {
    static WsCorpusCase parse(String text) {
      String expect = null;
      String target = null;
      for (String line : text.split("\n")) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        if (line.startsWith("@expect ")) {
          expect = line.substring("@expect ".length()).strip();
        } else if (target == null) {
          target = line;
        }
      }
      if (target == null) {
        throw new IllegalArgumentException("no target line");
      }
      return new WsCorpusCase(target, expect);
    }

    void check(RawWebSocket.Outcome outcome) {
      if (expect == null) {
        return;
      }
      String actual = switch (outcome) {
        case RawWebSocket.Open o -> "open";
        case RawWebSocket.Ended e -> String.valueOf(e.code());
        case RawWebSocket.Refused r -> "refused";
      };
      assertEquals(expect, actual, () -> target + ": " + outcome);
    }
  }

  /**
   * A {@code grpc-*.txt} case: {@code @method NAME}, {@code @expect CODE}, and the request either as protobuf JSON
   * (after {@code @json}) or as raw bytes in base64 (after {@code @base64}).
   */
  record GrpcCorpusCase(GrpcFuzzer.Call call, Status.Code expected) {
    static GrpcCorpusCase parse(String text) throws Exception {
      String method = null;
      Status.Code expected = null;
      String format = null;
      List<String> body = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (format != null) {
          body.add(line);
        } else if (line.startsWith("@method ")) {
          method = line.substring("@method ".length()).strip();
        } else if (line.startsWith("@expect ")) {
          expected = Status.Code.valueOf(line.substring("@expect ".length()).strip());
        } else if (line.equals("@json") || line.equals("@base64")) {
          format = line.substring(1);
        } else if (!line.startsWith("#") && !line.isBlank()) {
          throw new IllegalArgumentException("unexpected line '" + line + "'");
        }
      }
      if (method == null || format == null) {
        throw new IllegalArgumentException("a gRPC case needs @method and @json or @base64");
      }
      String content = String.join("\n", body);
      byte[] bytes = format.equals("base64") ? Base64.getMimeDecoder().decode(content.strip())
          : message(method, content);
      return new GrpcCorpusCase(new GrpcFuzzer.Call(method, null, bytes, method), expected);
    }

    private static byte[] message(String method, String json) throws Exception {
      com.google.protobuf.Message.Builder builder = switch (method) {
        case "SubmitGraph" -> SubmitGraphRequest.newBuilder();
        case "ValidateGraph" -> ValidateGraphRequest.newBuilder();
        case "GetGraph" -> GetGraphRequest.newBuilder();
        case "ListGraphs" -> ListGraphsRequest.newBuilder();
        case "CancelGraph" -> CancelGraphRequest.newBuilder();
        case "WatchGraph" -> WatchGraphRequest.newBuilder();
        default -> throw new IllegalArgumentException("no method " + method);
      };
      JsonFormat.parser().merge(json, builder);
      return builder.build().toByteArray();
    }
  }
}
