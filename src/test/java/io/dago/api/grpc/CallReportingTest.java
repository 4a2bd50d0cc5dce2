package io.dago.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The interceptor on a real server, in front of the standard health service. */
class CallReportingTest {
  private static final String CHECK = "grpc.health.v1.Health/Check";
  private static final String WATCH = "grpc.health.v1.Health/Watch";

  private final BlockingQueue<String> reported = new LinkedBlockingQueue<>();
  private Server server;
  private ManagedChannel channel;
  private HealthGrpc.HealthBlockingStub health;

  @BeforeEach
  void start() throws Exception {
    HealthStatusManager status = new HealthStatusManager();
    GrpcObserver observer = new GrpcObserver() {
      @Override
      public void callFinished(String method, String code) {
        reported.add(method + " " + code);
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(status.getHealthService(), new CallReporting(observer)))
        .build()
        .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    health = HealthGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aCallIsReportedOnceWithItsMethodAndStatusCode() throws Exception {
    health.check(HealthCheckRequest.newBuilder().build());
    assertThrows(StatusRuntimeException.class, () -> health.check(HealthCheckRequest.newBuilder().setService("nope").build()));

    assertEquals(CHECK + " OK", reported.poll(5, TimeUnit.SECONDS));
    assertEquals(CHECK + " NOT_FOUND", reported.poll(5, TimeUnit.SECONDS));
    assertNull(reported.poll(100, TimeUnit.MILLISECONDS));
  }

  @Test
  void aCallTheClientCancelsIsReportedAsCancelled() throws Exception {
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(() -> {
      Iterator<HealthCheckResponse> updates = health.watch(HealthCheckRequest.newBuilder().build());
      updates.next();
    });
    context.cancel(null);

    assertEquals(WATCH + " CANCELLED", reported.poll(5, TimeUnit.SECONDS));
    assertNull(reported.poll(100, TimeUnit.MILLISECONDS));
  }
}
