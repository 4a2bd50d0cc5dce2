package io.dago.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.Graph;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.engine.GraphNotFoundException;
import io.dago.graph.InvalidGraphException;
import io.dago.graph.Problem;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StatusMappingTest {

  @Test
  void anUnexpectedException_isInternalQuotingAnErrorIdButNotTheException() {
    Status status = StatusMapping.toStatus(new IllegalStateException("secret detail"), "test").getStatus();

    assertEquals(Status.Code.INTERNAL, status.getCode());
    assertTrue(status.getDescription().contains("error id"), status.getDescription());
    assertFalse(status.getDescription().contains("secret detail"));
    assertEquals(null, status.getCause());
  }

  @Test
  void aHandlerThatThrows_answersWithTheMappedStatusOverTheWire_neverUnknown() throws Exception {
    OrchestratorGrpc.OrchestratorImplBase throwing = new OrchestratorGrpc.OrchestratorImplBase() {
      @Override
      public void getGraph(GetGraphRequest request, StreamObserver<Graph> response) {
        switch (request.getGraphId()) {
          case "missing" -> throw new GraphNotFoundException("missing");
          default -> throw new IllegalStateException("secret detail");
        }
      }
    };
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(throwing, new StatusMapping()))
        .build()
        .start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      OrchestratorGrpc.OrchestratorBlockingStub stub = OrchestratorGrpc.newBlockingStub(channel);

      Status notFound = assertThrows(StatusRuntimeException.class,
          () -> stub.getGraph(GetGraphRequest.newBuilder().setGraphId("missing").build())).getStatus();
      Status internal = assertThrows(StatusRuntimeException.class,
          () -> stub.getGraph(GetGraphRequest.newBuilder().setGraphId("boom").build())).getStatus();

      assertEquals(Status.Code.NOT_FOUND, notFound.getCode());
      assertEquals("graph 'missing' not found", notFound.getDescription());
      assertEquals(Status.Code.INTERNAL, internal.getCode());
      assertFalse(internal.getDescription().contains("secret detail"));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anInvalidGraph_carriesEveryProblemAsAFieldViolation() throws Exception {
    List<Problem> problems = List.of(new Problem("$.nodes[0].prompt", "is required"),
        new Problem("$.nodes[1].id", "is required"));

    StatusRuntimeException e = StatusMapping.toStatus(new InvalidGraphException(problems), "test");

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    BadRequest details = badRequest(e);
    assertEquals(2, details.getFieldViolationsCount());
    assertEquals("$.nodes[1].id", details.getFieldViolations(1).getField());
    assertEquals("is required", details.getFieldViolations(1).getDescription());
  }

  /** gRPC clients refuse trailers above 8 KiB by default: a graph with thousands of problems must still get through. */
  @Test
  void thousandsOfProblems_areCutToFitTheTrailers_andTheLastViolationSaysHowManyWereLeftOut() throws Exception {
    List<Problem> problems = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      problems.add(new Problem("$.nodes[" + i + "].prompt", "is required"));
    }

    StatusRuntimeException e = StatusMapping.toStatus(new InvalidGraphException(problems), "test");

    Metadata trailers = e.getTrailers();
    assertNotNull(trailers);
    byte[] details = trailers.get(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER));
    assertTrue(details.length * 4 / 3 < 7 * 1024, "details of " + details.length + " bytes");
    BadRequest request = badRequest(e);
    String last = request.getFieldViolations(request.getFieldViolationsCount() - 1).getDescription();
    int listed = request.getFieldViolationsCount() - 1;
    assertEquals("and " + (5000 - listed) + " more problems, left out to keep the answer small", last);
  }

  private static BadRequest badRequest(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertNotNull(status);
    Any any = status.getDetails(0);
    return any.unpack(BadRequest.class);
  }
}
