package io.dago.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.rpc.RetryInfo;
import io.dago.Dago;
import io.dago.api.grpc.v1.CancelGraphRequest;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.ListGraphsRequest;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphRequest;
import io.dago.api.grpc.v1.WatchGraphRequest;
import io.dago.testing.RateLimits;
import io.dago.testing.TestConfigs;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens and rate limits on a real dago over grpc-java: every method of {@code dago.v1.Orchestrator} (the
 * server stream included), reflection, and the health service, which stays open.
 */
class GrpcAccessTest {
  private static final String TOKEN = "grpc-test-token-0123456789";
  private static final String WRONG_TOKEN = "grpc-test-wrong-token-0123456789";
  private static final GraphDefinition GRAPH = GraphDefinition.newBuilder()
      .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("hi")).build();

  private static Channel withToken(ManagedChannel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Calls any method, unary or server-streaming, to its end; streams are read to their last message. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void call(Channel channel, MethodDescriptor method, Message request) {
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
    switch (method.getType()) {
      case UNARY -> ClientCalls.blockingUnaryCall(channel, method, options, request);
      case SERVER_STREAMING -> {
        Iterator<?> messages = ClientCalls.blockingServerStreamingCall(channel, method, options, request);
        messages.forEachRemaining(message -> {});
      }
      default -> throw new AssertionError("no test for " + method.getType() + " method " + method.getFullMethodName());
    }
  }

  private static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static ManagedChannel channel(Dago dago) {
    return NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
  }

  @Test
  void everyOrchestratorMethod_theStreamingWatchIncluded_needsAToken() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN, "LLM_ECHO_LATENCY_MS", "1500"))) {
      ManagedChannel channel = channel(dago);
      try {
        OrchestratorGrpc.OrchestratorBlockingStub stub = OrchestratorGrpc.newBlockingStub(withToken(channel, TOKEN));
        String watched = stub.submitGraph(SubmitGraphRequest.newBuilder().setGraph(GRAPH).build()).getId();
        String cancelled = stub.submitGraph(SubmitGraphRequest.newBuilder().setGraph(GRAPH).build()).getId();
        // A request that succeeds for every method; a method missing here fails the test below.
        Map<String, Message> requests = new LinkedHashMap<>();
        requests.put("SubmitGraph", SubmitGraphRequest.newBuilder().setGraph(GRAPH).build());
        requests.put("ValidateGraph", ValidateGraphRequest.newBuilder().setGraph(GRAPH).build());
        requests.put("GetGraph", GetGraphRequest.newBuilder().setGraphId(watched).build());
        requests.put("ListGraphs", ListGraphsRequest.getDefaultInstance());
        requests.put("CancelGraph", CancelGraphRequest.newBuilder().setGraphId(cancelled).build());
        requests.put("WatchGraph", WatchGraphRequest.newBuilder().setGraphId(watched).build());
        Map<String, MethodDescriptor<?, ?>> methods = OrchestratorGrpc.getServiceDescriptor().getMethods().stream()
            .collect(Collectors.toMap(MethodDescriptor::getBareMethodName, Function.identity()));
        assertEquals(methods.keySet(), requests.keySet(), "a request for every method of the service");

        for (Map.Entry<String, Message> entry : requests.entrySet()) {
          MethodDescriptor<?, ?> method = methods.get(entry.getKey());
          Message request = entry.getValue();

          assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> call(channel, method, request)),
              entry.getKey() + " without a token");
          StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
              () -> call(withToken(channel, WRONG_TOKEN), method, request));
          StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
              () -> call(channel, method, request));
          assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode(), entry.getKey() + " with a wrong token");
          assertEquals(missing.getStatus().getDescription(), wrong.getStatus().getDescription(),
              "a missing and a wrong token must look the same");
          assertEquals(Status.Code.OK, codeOf(() -> call(withToken(channel, TOKEN), method, request)),
              entry.getKey() + " with the token");
        }
        assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> call(channel, methods.get("WatchGraph"),
            WatchGraphRequest.newBuilder().setGraphId("no-such-graph").build())),
            "refused before the service looks for the graph");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      String scrape = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(scrape.contains("dago_api_rejected_total{interface=\"grpc\",reason=\"unauthorized\"} 19"), scrape);
      assertTrue(scrape.contains("dago_grpc_calls_total{method=\"dago.v1.Orchestrator/WatchGraph\",code=\"UNAUTHENTICATED\"}"),
          scrape);
    }
  }

  @Test
  void theHealthService_staysOpen() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN))) {
      ManagedChannel channel = channel(dago);
      try {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("dago.v1.Orchestrator").build());

        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void reflection_bothVersions_needsAToken() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN))) {
      ManagedChannel channel = channel(dago);
      try {
        assertEquals(Status.Code.UNAUTHENTICATED, reflectV1(channel).getStatus().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, reflectV1Alpha(channel).getStatus().getCode());
        assertEquals(Status.Code.OK, reflectV1(withToken(channel, TOKEN)).getStatus().getCode());
        assertEquals(Status.Code.OK, reflectV1Alpha(withToken(channel, TOKEN)).getStatus().getCode());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Lists the services; OK when the server answered. */
  private static StatusRuntimeException reflectV1(Channel channel) throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(io.grpc.reflection.v1.ServerReflectionResponse response) {
            assertFalse(response.getListServicesResponse().getServiceList().isEmpty());
            done.complete(Status.OK);
          }

          @Override
          public void onError(Throwable t) {
            done.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
    Status status = done.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    return status.asRuntimeException();
  }

  @SuppressWarnings("deprecation")
  private static StatusRuntimeException reflectV1Alpha(Channel channel) throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse response) {
            done.complete(Status.OK);
          }

          @Override
          public void onError(Throwable t) {
            done.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build());
    Status status = done.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    return status.asRuntimeException();
  }

  @Test
  void overTheRateLimit_aCallIsResourceExhausted_withTheDelayInRetryInfo() throws Exception {
    String warmUp = "grpc-test-warm-up-token-0123456789";
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN + "," + warmUp,
        "DAGO_RATE_LIMIT", "5", "DAGO_RATE_BURST", "5"))) {
      ManagedChannel channel = channel(dago);
      try {
        OrchestratorGrpc.OrchestratorBlockingStub stub = OrchestratorGrpc.newBlockingStub(withToken(channel, TOKEN))
            .withDeadlineAfter(30, TimeUnit.SECONDS);
        // The first call loads classes on both sides for a second or more, while the bucket refills; another token's.
        OrchestratorGrpc.newBlockingStub(withToken(channel, warmUp)).listGraphs(ListGraphsRequest.getDefaultInstance());
        StatusRuntimeException sixth = RateLimits.firstRefusal(5, 5, () -> {
          try {
            stub.listGraphs(ListGraphsRequest.getDefaultInstance());
            return null;
          } catch (StatusRuntimeException e) {
            return e;
          }
        }, refusal -> refusal != null);

        assertEquals(Status.Code.RESOURCE_EXHAUSTED, sixth.getStatus().getCode());
        List<RetryInfo> retry = StatusProto.fromThrowable(sixth).getDetailsList().stream()
            .filter(any -> any.is(RetryInfo.class))
            .map(any -> {
              try {
                return any.unpack(RetryInfo.class);
              } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
              }
            }).toList();
        assertEquals(1, retry.size());
        assertTrue(retry.get(0).getRetryDelay().getSeconds() >= 1);
        for (int i = 0; i < 10; i++) {
          assertEquals(HealthCheckResponse.ServingStatus.SERVING,
              HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus(),
              "health checks are not limited");
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
