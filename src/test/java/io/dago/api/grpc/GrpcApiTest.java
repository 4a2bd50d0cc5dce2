package io.dago.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.dago.api.grpc.v1.CancelGraphRequest;
import io.dago.api.grpc.v1.Event;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.Graph;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.GraphSummary;
import io.dago.api.grpc.v1.ListGraphsRequest;
import io.dago.api.grpc.v1.ListGraphsResponse;
import io.dago.api.grpc.v1.Node;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphResponse;
import io.dago.api.grpc.v1.WatchGraphRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gRPC API over a real Netty channel on a free port, with the echo provider behind it. */
class GrpcApiTest {
  /** Each node answers at once. */
  private static TestServer fast;
  /** Each node takes a while, so that graphs are still running when a test acts on them. */
  private static TestServer slow;

  @BeforeAll
  static void start() {
    fast = new TestServer(Duration.ZERO);
    slow = new TestServer(Duration.ofMillis(300));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (fast != null) {
      fast.close();
    }
    if (slow != null) {
      slow.close();
    }
  }

  private static NodeDefinition node(String id, String prompt, String... dependsOn) {
    return NodeDefinition.newBuilder().setId(id).setPrompt(prompt).addAllDependsOn(List.of(dependsOn)).build();
  }

  /** a; b and c depend on a; d depends on b and c. */
  private static GraphDefinition diamond(String name) {
    return GraphDefinition.newBuilder()
        .setName(name)
        .setInput(Struct.newBuilder().putFields("topic", Value.newBuilder().setStringValue("tides").build()))
        .addNodes(node("a", "outline {{input.topic}}"))
        .addNodes(node("b", "intro for {{nodes.a.output}}", "a"))
        .addNodes(node("c", "facts for {{nodes.a.output}}", "a"))
        .addNodes(node("d", "{{nodes.b.output}} + {{nodes.c.output}}", "b", "c"))
        .build();
  }

  private static GraphDefinition chain(int length) {
    GraphDefinition.Builder graph = GraphDefinition.newBuilder().addNodes(node("s0", "step 0"));
    for (int i = 1; i < length; i++) {
      graph.addNodes(node("s" + i, "step " + i, "s" + (i - 1)));
    }
    return graph.build();
  }

  private static Graph submit(TestServer server, GraphDefinition graph) {
    return server.blocking().submitGraph(SubmitGraphRequest.newBuilder().setGraph(graph).build());
  }

  private static Graph awaitFinished(TestServer server, String id) {
    Graph graph = server.blocking().getGraph(GetGraphRequest.newBuilder().setGraphId(id).setWaitSeconds(20).build());
    assertTrue(List.of("completed", "failed", "cancelled").contains(graph.getStatus()), graph.getStatus());
    return graph;
  }

  private static List<Event> watch(TestServer server, String id, long afterSeq) {
    List<Event> events = new ArrayList<>();
    server.blocking().watchGraph(WatchGraphRequest.newBuilder().setGraphId(id).setAfterSeq(afterSeq).build())
        .forEachRemaining(events::add);
    return events;
  }

  private static Status.Code code(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
      Thread.sleep(10);
    }
  }

  @Test
  void submitGraph_keepsTheCallersTraceparentFromMetadata() {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    Graph graph = fast.blocking().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .submitGraph(SubmitGraphRequest.newBuilder().setGraph(diamond("traced")).build());

    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", graph.getTraceId());
    awaitFinished(fast, graph.getId());
    assertTrue(watch(fast, graph.getId(), 0).stream()
        .allMatch(e -> e.getTraceId().equals("4bf92f3577b34da6a3ce929d0e0e4736")));
    assertTrue(submit(fast, diamond("untraced")).getTraceId().matches("[0-9a-f]{32}"), "a new trace otherwise");
  }

  @Test
  void submitGraph_answersWithTheGraphAsSubmitted() {
    Graph graph = submit(fast, diamond("report"));

    assertFalse(graph.getId().isEmpty());
    assertEquals("report", graph.getName());
    assertTrue(List.of("pending", "running", "completed").contains(graph.getStatus()), graph.getStatus());
    assertTrue(graph.hasCreatedAt());
    assertEquals("tides", graph.getInput().getFieldsOrThrow("topic").getStringValue());
    assertEquals(List.of("a", "b", "c", "d"), graph.getNodesList().stream().map(Node::getId).toList());
    assertEquals(List.of("b", "c"), graph.getNodes(3).getDependsOnList());
  }

  @Test
  void getGraph_withWait_answersOnceTheGraphHasCompleted() {
    String id = submit(slow, diamond("waited")).getId();

    Graph graph = awaitFinished(slow, id);

    assertEquals("completed", graph.getStatus());
    assertTrue(graph.hasFinishedAt());
    Node a = graph.getNodes(0);
    assertEquals("echo: outline tides", a.getOutput());
    assertEquals("end_turn", a.getStopReason());
    assertEquals(1, a.getAttempts());
    assertTrue(a.getUsage().getOutputTokens() > 0);
    assertFalse(a.hasError());
    assertTrue(graph.getUsage().getInputTokens() >= a.getUsage().getInputTokens());
  }

  @Test
  void getGraph_ofAnUnknownGraph_isNotFound() {
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> fast.blocking().getGraph(GetGraphRequest.newBuilder().setGraphId("g_nope").build())));
  }

  @Test
  void getGraph_withAWaitAboveTheLimit_isInvalidArgument() {
    String id = submit(fast, diamond("limits")).getId();
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> fast.blocking().getGraph(
        GetGraphRequest.newBuilder().setGraphId(id).setWaitSeconds(61).build())));
  }

  @Test
  void wholeNumbersInTheInput_renderAsTheyWouldFromJson() {
    GraphDefinition graph = GraphDefinition.newBuilder()
        .setInput(Struct.newBuilder()
            .putFields("n", Value.newBuilder().setNumberValue(3).build())
            .putFields("x", Value.newBuilder().setNumberValue(1.5).build()))
        .addNodes(node("only", "n={{input.n}} x={{input.x}}"))
        .build();

    Graph done = awaitFinished(fast, submit(fast, graph).getId());

    assertEquals("echo: n=3 x=1.5", done.getNodes(0).getOutput());
  }

  @Test
  void submitGraph_withTheSameIdempotencyKey_answersWithTheFirstGraph() {
    SubmitGraphRequest request = SubmitGraphRequest.newBuilder()
        .setGraph(diamond("once")).setIdempotencyKey("key-" + System.nanoTime()).build();

    Graph first = fast.blocking().submitGraph(request);
    Graph again = fast.blocking().submitGraph(request);

    assertEquals(first.getId(), again.getId());
  }

  @Test
  void submitGraph_reusingAnIdempotencyKeyForAnotherGraph_isAlreadyExists() {
    String key = "key-" + System.nanoTime();
    fast.blocking().submitGraph(
        SubmitGraphRequest.newBuilder().setGraph(diamond("one")).setIdempotencyKey(key).build());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fast.blocking().submitGraph(
        SubmitGraphRequest.newBuilder().setGraph(diamond("other")).setIdempotencyKey(key).build()));

    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
  }

  @Test
  void listGraphs_pagesNewestFirst() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(submit(fast, diamond("listed-" + i)).getId());
    }

    ListGraphsResponse first = fast.blocking().listGraphs(ListGraphsRequest.newBuilder().setLimit(2).build());
    ListGraphsResponse second = fast.blocking().listGraphs(
        ListGraphsRequest.newBuilder().setLimit(2).setCursor(first.getNextCursor()).build());

    assertEquals(List.of(ids.get(2), ids.get(1)), first.getGraphsList().stream().map(GraphSummary::getId).toList());
    assertFalse(first.getNextCursor().isEmpty());
    assertEquals(ids.get(0), second.getGraphs(0).getId());
    assertEquals(4, first.getGraphs(0).getNodeCount());
    assertEquals("listed-2", first.getGraphs(0).getName());
  }

  @Test
  void listGraphs_byStatus_showsOnlyGraphsInThatStatus() {
    awaitFinished(fast, submit(fast, diamond("done")).getId());

    ListGraphsResponse page = fast.blocking().listGraphs(
        ListGraphsRequest.newBuilder().setStatus("completed").setLimit(1000).build());

    assertFalse(page.getGraphsList().isEmpty());
    assertTrue(page.getGraphsList().stream().allMatch(g -> g.getStatus().equals("completed")));
  }

  @Test
  void listGraphs_byAnUnknownStatus_isInvalidArgumentNamingTheKnownOnes() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fast.blocking().listGraphs(ListGraphsRequest.newBuilder().setStatus("done").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("pending, running, completed, failed, cancelled"),
        e.getStatus().getDescription());
  }

  @Test
  void cancelGraph_cancelsARunningGraph() {
    String id = submit(slow, chain(10)).getId();

    Graph cancelled = slow.blocking().cancelGraph(CancelGraphRequest.newBuilder().setGraphId(id).build());

    assertEquals("cancelled", cancelled.getStatus());
    assertTrue(cancelled.getNodesList().stream().allMatch(n -> n.getStatus().equals("cancelled")));
  }

  @Test
  void cancelGraph_ofAFinishedGraph_isFailedPreconditionSayingHowItEnded() {
    String id = awaitFinished(fast, submit(fast, diamond("finished")).getId()).getId();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fast.blocking().cancelGraph(CancelGraphRequest.newBuilder().setGraphId(id).build()));

    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    ErrorInfo info = detail(e, ErrorInfo.class);
    assertEquals("GRAPH_FINISHED", info.getReason());
    assertEquals("completed", info.getMetadataOrThrow("status"));
  }

  @Test
  void cancelGraph_ofAnUnknownGraph_isNotFound() {
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> fast.blocking().cancelGraph(CancelGraphRequest.newBuilder().setGraphId("g_nope").build())));
  }

  @Test
  void validateGraph_ofAValidGraph_reportsItsSizeAndDepth() {
    ValidateGraphResponse report = fast.blocking().validateGraph(
        ValidateGraphRequest.newBuilder().setGraph(diamond("valid")).build());

    assertTrue(report.getValid());
    assertEquals(4, report.getNodes());
    assertEquals(3, report.getDepth());
  }

  @Test
  void validateGraph_withSeveralErrors_reportsEachAsAFieldViolationAtItsJsonPath() {
    GraphDefinition broken = GraphDefinition.newBuilder()
        .addNodes(NodeDefinition.newBuilder().setId("a"))
        .addNodes(node("b", "hi", "nowhere"))
        .addNodes(NodeDefinition.newBuilder().setId("c").setPrompt("hi").setTemperature(3))
        .build();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fast.blocking().validateGraph(ValidateGraphRequest.newBuilder().setGraph(broken).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    List<String> fields = detail(e, BadRequest.class).getFieldViolationsList().stream()
        .map(BadRequest.FieldViolation::getField).toList();
    assertEquals(List.of("$.nodes[0].prompt", "$.nodes[1].depends_on[0]", "$.nodes[2].temperature"), fields);
  }

  @Test
  void submitGraph_ofAnInvalidGraph_isInvalidArgumentWithTheSameProblemsAsValidate() {
    GraphDefinition broken = GraphDefinition.newBuilder().addNodes(NodeDefinition.newBuilder().setId("a")).build();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> submit(fast, broken));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    BadRequest.FieldViolation only = detail(e, BadRequest.class).getFieldViolations(0);
    assertEquals("$.nodes[0].prompt", only.getField());
    assertEquals("is required", only.getDescription());
  }

  @Test
  void submitGraph_withoutNodes_isInvalidArgument() {
    assertEquals(Status.Code.INVALID_ARGUMENT,
        code(() -> fast.blocking().submitGraph(SubmitGraphRequest.getDefaultInstance())));
  }

  @Test
  void watchGraph_fromSubmit_streamsEveryEventInOrderAndEndsAfterTheTerminalOne() {
    String id = submit(slow, diamond("watched")).getId();

    List<Event> events = watch(slow, id, 0);

    assertEquals(11, events.size(), events.toString());
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).getSeq());
      assertEquals(id, events.get(i).getGraphId());
      assertTrue(events.get(i).hasTime());
    }
    assertEquals("GraphSubmitted", events.get(0).getType());
    assertEquals("GraphStarted", events.get(1).getType());
    assertEquals("GraphCompleted", events.get(10).getType());
    Event completedA = events.stream()
        .filter(e -> e.getType().equals("NodeCompleted") && e.getNodeId().equals("a")).findFirst().orElseThrow();
    assertEquals("echo: outline tides", completedA.getData().getFieldsOrThrow("output").getStringValue());
    assertFalse(events.get(0).hasNodeId());
  }

  @Test
  void watchGraph_ofAStreamingNode_deliversItsTextAsLiveDeltasWithoutSeq_betweenTheStoredEvents() {
    GraphDefinition graph = GraphDefinition.newBuilder()
        .addNodes(node("first", "warm up"))
        .addNodes(NodeDefinition.newBuilder().setId("talk").setPrompt("one two three four five six")
            .addDependsOn("first").setStream(true))
        .build();
    String id = submit(slow, graph).getId();

    List<Event> events = watch(slow, id, 0);

    List<Event> deltas = events.stream().filter(e -> e.getType().equals("NodeDelta")).toList();
    assertFalse(deltas.isEmpty(), events.toString());
    assertTrue(deltas.stream().allMatch(e -> e.getSeq() == 0 && e.getNodeId().equals("talk")));
    StringBuilder text = new StringBuilder();
    deltas.forEach(e -> text.append(e.getData().getFieldsOrThrow("text").getStringValue()));
    assertEquals("echo: one two three four five six", text.toString());
    List<Long> stored = events.stream().filter(e -> !e.getType().equals("NodeDelta")).map(Event::getSeq).toList();
    for (int i = 0; i < stored.size(); i++) {
      assertEquals(i + 1, stored.get(i));
    }
  }

  @Test
  void watchGraph_afterSeq_startsAfterThatEvent() {
    String id = awaitFinished(fast, submit(fast, diamond("resumed")).getId()).getId();

    List<Event> events = watch(fast, id, 3);

    assertEquals(4, events.get(0).getSeq());
    assertEquals("GraphCompleted", events.get(events.size() - 1).getType());
    assertEquals(11, events.get(events.size() - 1).getSeq());
  }

  @Test
  void watchGraph_afterTheTerminalEvent_endsAtOnceWithNothing() {
    String id = awaitFinished(fast, submit(fast, diamond("over")).getId()).getId();

    assertEquals(List.of(), watch(fast, id, 11));
  }

  @Test
  void watchGraph_afterASeqPastTheLastEvent_isOutOfRange() {
    String id = awaitFinished(fast, submit(fast, diamond("past")).getId()).getId();

    assertEquals(Status.Code.OUT_OF_RANGE, code(() -> watch(fast, id, 12)));
  }

  @Test
  void watchGraph_ofAnUnknownGraph_isNotFound() {
    assertEquals(Status.Code.NOT_FOUND, code(() -> watch(fast, "g_nope", 0)));
  }

  @Test
  void aDeadlineThatExpiresDuringALongPoll_endsTheCallWithDeadlineExceeded() {
    String id = submit(slow, chain(20)).getId();
    long start = System.nanoTime();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> slow.blocking()
        .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
        .getGraph(GetGraphRequest.newBuilder().setGraphId(id).setWaitSeconds(30).build()));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "well before the 30 s wait");
    slow.blocking().cancelGraph(CancelGraphRequest.newBuilder().setGraphId(id).build());
  }

  @Test
  void aDeadlineThatExpiresDuringAWatch_endsItAndFreesItsResources() throws InterruptedException {
    String id = submit(slow, chain(20)).getId();

    assertEquals(Status.Code.DEADLINE_EXCEEDED, code(() -> slow.blocking()
        .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
        .watchGraph(WatchGraphRequest.newBuilder().setGraphId(id).build())
        .forEachRemaining(event -> {})));

    eventually(() -> slow.api.openWatches() == 0, "the server has let go of the watch");
    slow.blocking().cancelGraph(CancelGraphRequest.newBuilder().setGraphId(id).build());
  }

  @Test
  void aClientThatCancelsAWatch_freesItsResourcesAtOnce_andTheGraphRunsOn() throws Exception {
    String id = submit(slow, chain(20)).getId();
    Context.CancellableContext context = Context.current().withCancellation();
    Iterator<Event> events = context.call(() -> slow.blocking()
        .watchGraph(WatchGraphRequest.newBuilder().setGraphId(id).build()));
    assertEquals("GraphSubmitted", events.next().getType());
    assertEquals(1, slow.api.openWatches());

    context.cancel(null);

    eventually(() -> slow.api.openWatches() == 0, "the server has let go of the watch");
    assertEquals("running", slow.blocking().getGraph(GetGraphRequest.newBuilder().setGraphId(id).build()).getStatus());
    slow.blocking().cancelGraph(CancelGraphRequest.newBuilder().setGraphId(id).build());
  }

  @Test
  void reflection_listsTheOrchestratorAndDescribesIt() throws Exception {
    List<String> services = reflect(ServerReflectionRequest.newBuilder().setListServices("*").build())
        .getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList();
    assertTrue(services.contains("dago.v1.Orchestrator"), services.toString());
    assertTrue(services.contains("grpc.health.v1.Health"), services.toString());

    ServerReflectionResponse file = reflect(
        ServerReflectionRequest.newBuilder().setFileContainingSymbol("dago.v1.Orchestrator").build());
    FileDescriptorProto proto = FileDescriptorProto.parseFrom(
        file.getFileDescriptorResponse().getFileDescriptorProto(0));
    assertEquals("dago/v1/dago.proto", proto.getName());
    assertEquals(List.of("SubmitGraph", "ValidateGraph", "GetGraph", "ListGraphs", "CancelGraph", "WatchGraph"),
        proto.getService(0).getMethodList().stream().map(m -> m.getName()).toList());
  }

  private static ServerReflectionResponse reflect(ServerReflectionRequest request) throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(fast.channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse response) {
            answer.complete(response);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(request);
    ServerReflectionResponse response = answer.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    return response;
  }

  @Test
  void healthCheck_reportsServingForTheServerTheServiceAndEachComponent() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(fast.channel);
    for (String service : List.of("", "dago.v1.Orchestrator", "state_store", "workers", "llm")) {
      HealthCheckResponse response = health.check(HealthCheckRequest.newBuilder().setService(service).build());
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, response.getStatus(), service);
    }
  }

  @Test
  void theCallObserver_hearsOfEveryCallWithTheStatusTheClientGot() throws Exception {
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    GrpcApi api = GrpcApi.start(fast.orchestrator, "127.0.0.1", 0, 1 << 20, new GrpcObserver() {
      @Override
      public void callFinished(String method, String code) {
        heard.add(method + " " + code);
      }
    });
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", api.port()).usePlaintext().build();
    try {
      assertThrows(StatusRuntimeException.class, () -> OrchestratorGrpc.newBlockingStub(channel)
          .getGraph(GetGraphRequest.newBuilder().setGraphId("g_nope").build()));
      HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

      assertEquals("dago.v1.Orchestrator/GetGraph NOT_FOUND", heard.poll(5, TimeUnit.SECONDS));
      assertEquals("grpc.health.v1.Health/Check OK", heard.poll(5, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      api.stop(Duration.ZERO);
    }
  }

  @Test
  void theProtoFileShipsOnTheClasspath() {
    assertNotNull(GrpcApiTest.class.getResource("/dago/v1/dago.proto"));
  }

  @Test
  void stop_endsWatchesWithUnavailable_andLetsCallsInFlightFinish() throws Exception {
    TestServer server = new TestServer(Duration.ofMillis(300));
    try {
      String longGraph = submit(server, chain(20)).getId();
      String shortGraph = submit(server, diamond("short")).getId();
      CompletableFuture<Graph> longPoll = new CompletableFuture<>();
      server.async().getGraph(GetGraphRequest.newBuilder().setGraphId(shortGraph).setWaitSeconds(20).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(Graph graph) {
              longPoll.complete(graph);
            }

            @Override
            public void onError(Throwable t) {
              longPoll.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      Iterator<Event> watch = server.blocking()
          .watchGraph(WatchGraphRequest.newBuilder().setGraphId(longGraph).build());
      assertEquals(1, watch.next().getSeq());
      eventually(() -> server.api.openWatches() == 1, "the watch is open");
      Thread.sleep(100); // for the long poll's headers to reach the server, which shuts out calls that come later

      server.api.stop(Duration.ofSeconds(10));

      StatusRuntimeException ended = assertThrows(StatusRuntimeException.class, () -> watch.forEachRemaining(e -> {}));
      assertEquals(Status.Code.UNAVAILABLE, ended.getStatus().getCode());
      assertTrue(ended.getStatus().getDescription().contains("after_seq"), ended.getStatus().getDescription());
      assertEquals("completed", longPoll.get(10, TimeUnit.SECONDS).getStatus());
      assertEquals(Status.Code.UNAVAILABLE, code(() -> server.blocking().getGraph(
          GetGraphRequest.newBuilder().setGraphId(shortGraph).build())));
    } finally {
      server.close();
    }
  }

  private static <T extends com.google.protobuf.Message> T detail(StatusRuntimeException e, Class<T> type) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertNotNull(status, "no status details");
    for (com.google.protobuf.Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          return any.unpack(type);
        } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
          throw new AssertionError(bad);
        }
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + status);
  }
}
