package io.dago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.dago.Dago;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.Reply;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Backpressure end to end: with few workers, slow model calls and a small {@code DAGO_MAX_QUEUED_NODES}, submissions
 * past the bound are refused (HTTP 503 {@code overloaded} with {@code Retry-After}, gRPC {@code UNAVAILABLE} with a
 * {@code RetryInfo}), and every graph that was accepted completes.
 */
class BackpressureEndToEndTest {
  private static final String ONE_SLOW_NODE = "{\"nodes\": [{\"id\": \"only\", \"prompt\": \"p%d\"}]}";

  @Test
  void submissionsPastTheQueueBoundAreRefusedWithRetryAfterAndEveryAcceptedGraphCompletes() throws Exception {
    try (FakeAnthropicServer anthropic = FakeAnthropicServer.start()
        .respondWith(request -> Reply.delayed(Duration.ofMillis(700), Reply.text("done"))); Dago dago = Dago.start(
        TestConfigs.embedded("LLM_API_KEY", "sk-ant-test-backpressure", "LLM_BASE_URL", anthropic.baseUrl().toString(),
            "WORKER_POOL_SIZE", "2", "DAGO_MAX_QUEUED_NODES", "3"))) {
      TestClient client = new TestClient(dago.httpPort());
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
      // Connected before the queue fills, so that the gRPC refusal below comes while it is still full.
      assertThrows(StatusRuntimeException.class, () -> OrchestratorGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS).getGraph(GetGraphRequest.newBuilder().setGraphId("none").build()));
      try {
        List<String> accepted = new ArrayList<>();
        TestClient.Reply refused = null;
        for (int i = 0; i < 30 && refused == null; i++) {
          TestClient.Reply reply = client.postJson("/api/v1/graphs", ONE_SLOW_NODE.formatted(i));
          if (reply.status() == 202) {
            accepted.add((String) reply.body().get("id"));
          } else {
            refused = reply;
          }
        }

        assertNotNull(refused, "a submission was refused");
        assertEquals(503, refused.status());
        assertEquals("overloaded", refused.error().get("code"));
        assertTrue(((String) refused.error().get("message")).contains("DAGO_MAX_QUEUED_NODES (3)"),
            refused.raw().body());
        assertEquals("1", refused.header("Retry-After"));
        assertTrue(accepted.size() >= 5, "2 running and more than 3 waiting before the first refusal: " + accepted);

        StatusRuntimeException overGrpc = assertThrows(StatusRuntimeException.class,
            () -> OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .submitGraph(SubmitGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
                    .addNodes(NodeDefinition.newBuilder().setId("only").setPrompt("grpc"))).build()));
        assertEquals(Status.Code.UNAVAILABLE, overGrpc.getStatus().getCode());
        com.google.rpc.Status details = StatusProto.fromThrowable(overGrpc);
        assertEquals("OVERLOADED", details.getDetails(0).unpack(ErrorInfo.class).getReason());
        assertEquals(1, details.getDetails(1).unpack(RetryInfo.class).getRetryDelay().getSeconds());

        for (String id : accepted) {
          Map<String, Object> graph = client.get("/api/v1/graphs/" + id + "?wait=30").body();
          assertEquals("completed", graph.get("status"), "an accepted graph is never dropped: " + graph);
        }
        assertEquals(accepted.size(), anthropic.requests().size(), "refused graphs never ran");
        assertEquals(202, client.postJson("/api/v1/graphs", ONE_SLOW_NODE.formatted(99)).status(),
            "accepted again once the queue has drained");
        Map<String, Double> metrics = ProviderGuardsEndToEndTest.scrape(dago.httpPort());
        assertEquals(2, ProviderGuardsEndToEndTest.metric(metrics, "dago_graphs_refused_total"));
        assertEquals(accepted.size() + 1, ProviderGuardsEndToEndTest.metric(metrics, "dago_graphs_submitted_total"));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
