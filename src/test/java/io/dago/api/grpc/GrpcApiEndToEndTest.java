package io.dago.api.grpc;

import io.dago.testing.TestConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.Dago;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.Graph;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.json.Json;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The whole application: what is submitted over gRPC reads the same over HTTP. */
class GrpcApiEndToEndTest {

  @Test
  void aGraphSubmittedOverGrpc_readsTheSameOverHttp() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("WORKER_POOL_SIZE", "4"))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
      try {
        OrchestratorGrpc.OrchestratorBlockingStub stub = OrchestratorGrpc.newBlockingStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS);
        GraphDefinition definition = GraphDefinition.newBuilder()
            .setName("both")
            .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("hi"))
            .addNodes(NodeDefinition.newBuilder().setId("b").setPrompt("{{nodes.a.output}}!").addDependsOn("a"))
            .build();
        String id = stub.submitGraph(SubmitGraphRequest.newBuilder().setGraph(definition).build()).getId();
        Graph overGrpc = stub.getGraph(GetGraphRequest.newBuilder().setGraphId(id).setWaitSeconds(20).build());

        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + "/api/v1/graphs/" + id)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        Map<String, Object> overHttp = Json.parseObject(response.body());

        assertEquals(200, response.statusCode());
        assertEquals("completed", overGrpc.getStatus());
        assertEquals(overHttp.get("status"), overGrpc.getStatus());
        assertEquals(overHttp.get("name"), overGrpc.getName());
        List<?> nodes = (List<?>) overHttp.get("nodes");
        assertEquals(((Map<?, ?>) nodes.get(1)).get("output"), overGrpc.getNodes(1).getOutput());
        assertEquals("echo: echo: hi!", overGrpc.getNodes(1).getOutput());
        assertEquals(overHttp.get("finished_at"),
            java.time.Instant.ofEpochSecond(overGrpc.getFinishedAt().getSeconds(), overGrpc.getFinishedAt().getNanos())
                .toString());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
