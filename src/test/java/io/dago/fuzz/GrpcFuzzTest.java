package io.dago.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import io.dago.Dago;
import io.dago.api.grpc.v1.Graph;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Random calls of {@code dago.v1.Orchestrator} over a real channel (see {@link GrpcFuzzer}), each sent as bytes so
 * that broken messages go out as they are. Every call must end within its deadline with OK or one of the statuses
 * the README promises for bad requests, never INTERNAL or UNKNOWN (a server fault) nor DEADLINE_EXCEEDED (a hang);
 * dago must log no unexpected error, and stay healthy. Seeded like {@link HttpFuzzTest}
 * ({@code -Dfuzz.seed}, {@code -Dfuzz.grpc.cases}; {@code -Dfuzz.grpc.concurrency=1} sends the calls one at a time,
 * to find which of them broke a connection that others shared).
 */
class GrpcFuzzTest {
  /**
   * What a bad request may be answered with: RESOURCE_EXHAUSTED for a message over DAGO_MAX_BODY_BYTES, OUT_OF_RANGE
   * for a watch whose after_seq is past the graph's last event (see dago.proto).
   */
  static final Set<Status.Code> ACCEPTABLE = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
      Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION, Status.Code.ALREADY_EXISTS,
      Status.Code.RESOURCE_EXHAUSTED, Status.Code.OUT_OF_RANGE);
  private static final int CONCURRENCY = Integer.getInteger("fuzz.grpc.concurrency", 16);

  @Test
  void randomCallsAndBrokenMessages_getClientErrorStatuses_andLeaveTheServerHealthy() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime() ^ System.currentTimeMillis());
    int cases = Integer.getInteger("fuzz.grpc.cases", 2_000);
    System.out.println("GrpcFuzzTest: seed " + seed + ", " + cases + " calls (replay with -Dfuzz.seed=" + seed + ")");
    List<String> accepted = new CopyOnWriteArrayList<>();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Map<Status.Code, AtomicInteger> codes = new ConcurrentHashMap<>();
    try (SevereLogs severe = new SevereLogs(); Dago dago = Healthy.startServer()) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext()
          .maxInboundMessageSize(16 << 20).build();
      try {
        Semaphore slots = new Semaphore(CONCURRENCY);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
          for (int i = 0; i < cases; i++) {
            int index = i;
            slots.acquire();
            executor.submit(() -> {
              GrpcFuzzer.Call call = new GrpcFuzzer(HttpFuzzTest.random(seed, index),
                  () -> accepted.isEmpty() ? null : accepted.get(Math.floorMod(index * 31, accepted.size()))).next();
              try {
                Status.Code code = Status.Code.OK;
                String description = "";
                try {
                  byte[] reply = send(channel, call);
                  if (call.method().equals("SubmitGraph")) {
                    accepted.add(Graph.parseFrom(reply).getId());
                  }
                } catch (StatusRuntimeException e) {
                  code = e.getStatus().getCode();
                  description = String.valueOf(e.getStatus().getDescription());
                }
                codes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                if (!ACCEPTABLE.contains(code)) {
                  failures.add("call " + index + " (" + call.description() + "): " + code + " " + description);
                }
              } catch (Exception | AssertionError e) {
                failures.add("call " + index + " (" + call.description() + "): the client failed: " + e);
              } finally {
                slots.release();
              }
              return null;
            });
          }
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      System.out.println("GrpcFuzzTest: codes " + codes + ", " + accepted.size() + " graphs accepted");
      List<String> problems = new ArrayList<>(failures.stream().limit(15).toList());
      problems.addAll(Healthy.problemsAfterFuzzing(dago, accepted, severe));
      if (!problems.isEmpty()) {
        fail(failures.size() + " of " + cases + " fuzzed gRPC calls ended wrongly (seed " + seed + "):\n"
            + String.join("\n\n", problems));
      }
    }
  }

  /** Sends the call's bytes; a WatchGraph stream is read to its end. @return the (last) reply's bytes */
  static byte[] send(ManagedChannel channel, GrpcFuzzer.Call call) {
    boolean stream = call.method().equals("WatchGraph");
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(stream ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("dago.v1.Orchestrator/" + call.method())
        .setRequestMarshaller(Bytes.INSTANCE)
        .setResponseMarshaller(Bytes.INSTANCE)
        .build();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS);
    if (!stream) {
      return ClientCalls.blockingUnaryCall(channel, method, options, call.bytes());
    }
    Iterator<byte[]> events = ClientCalls.blockingServerStreamingCall(channel, method, options, call.bytes());
    byte[] last = new byte[0];
    while (events.hasNext()) {
      last = events.next();
    }
    return last;
  }

  /** Messages as the bytes they are. */
  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
