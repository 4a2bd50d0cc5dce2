package io.dago.bench;

import io.dago.api.grpc.v1.Event;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.Graph;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.Node;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.WatchGraphRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * W3 over gRPC, to set beside the HTTP figure: {@code graphs} diamonds (4 nodes each) submitted at once, each
 * timed from just before SubmitGraph until the client knows it completed, by GetGraph long polls like the HTTP
 * client's {@code ?wait=60}, or with {@code --watch} by WatchGraph until its terminal event. Every node of every
 * graph is checked off the clock; any graph that does not complete is an error (exit status 1), never a number.
 *
 * <pre>
 *   GrpcW3 HOST PORT [--graphs 500] [--runs 5] [--warmup-seconds 10] [--watch] [--channels 1]
 * </pre>
 *
 * Warms up as the HTTP bench does (a burst of 300 diamonds, then unmeasured runs for at least the warm-up time),
 * then prints one line per run and the medians on stdout.
 */
public final class GrpcW3 {
  private static final int WAIT_SECONDS = 60;
  private static final int WARM_UP_GRAPHS = 300;
  private static final SubmitGraphRequest DIAMOND = SubmitGraphRequest.newBuilder()
      .setGraph(GraphDefinition.newBuilder()
          .addNodes(node("a"))
          .addNodes(node("b", "a"))
          .addNodes(node("c", "a"))
          .addNodes(node("d", "b", "c")))
      .build();

  private final List<OrchestratorGrpc.OrchestratorBlockingStub> stubs;
  private final boolean watch;

  private GrpcW3(List<ManagedChannel> channels, boolean watch) {
    this.stubs = channels.stream().map(OrchestratorGrpc::newBlockingStub).toList();
    this.watch = watch;
  }

  private static NodeDefinition node(String id, String... dependsOn) {
    return NodeDefinition.newBuilder().setId(id).setPrompt("hi").addAllDependsOn(List.of(dependsOn)).build();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      usage("HOST and PORT are required");
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int graphs = GraphBodies.W3_GRAPHS;
    int runs = 5;
    int warmupSeconds = 10;
    int channelCount = 1;
    boolean watch = false;
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--graphs" -> graphs = Integer.parseInt(value(args, ++i));
        case "--runs" -> runs = Integer.parseInt(value(args, ++i));
        case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(value(args, ++i));
        case "--channels" -> channelCount = Integer.parseInt(value(args, ++i));
        case "--watch" -> watch = true;
        default -> usage("unknown argument '" + args[i] + "'");
      }
    }
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < channelCount; i++) {
      channels.add(NettyChannelBuilder.forAddress(host, port).usePlaintext().build());
    }
    String mode = watch ? "WatchGraph" : "GetGraph wait=" + WAIT_SECONDS;
    try {
      GrpcW3 client = new GrpcW3(channels, watch);
      client.runConcurrently(WARM_UP_GRAPHS);
      long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
      do {
        client.measure(graphs);
      } while (System.nanoTime() < warmUntil);
      double[] rates = new double[runs];
      double[] p50s = new double[runs];
      double[] p99s = new double[runs];
      for (int run = 0; run < runs; run++) {
        double[] figures = client.measure(graphs);
        rates[run] = figures[0];
        p50s[run] = figures[1];
        p99s[run] = figures[2];
        System.out.printf(Locale.ROOT, "W3 over gRPC (%s), run %d/%d: %.0f graphs/s, p50 %.1f ms, p99 %.1f ms%n",
            mode, run + 1, runs, rates[run], p50s[run], p99s[run]);
      }
      System.out.printf(Locale.ROOT,
          "W3 over gRPC (%s), median of %d runs of %d graphs: %.0f graphs/s, p50 %.1f ms, p99 %.1f ms%n",
          mode, runs, graphs, median(rates), median(p50s), median(p99s));
    } catch (BenchException e) {
      System.err.println("grpc-w3: " + e.getMessage());
      System.exit(1);
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** @return graphs/s over the whole run, then the p50 and p99 latency in ms */
  private double[] measure(int graphs) throws InterruptedException {
    List<Finished> finished = runConcurrently(graphs);
    long firstSubmit = Long.MAX_VALUE;
    long lastCompleted = Long.MIN_VALUE;
    long[] latencies = new long[finished.size()];
    for (int i = 0; i < finished.size(); i++) {
      Finished graph = finished.get(i);
      firstSubmit = Math.min(firstSubmit, graph.start());
      lastCompleted = Math.max(lastCompleted, graph.end());
      latencies[i] = graph.end() - graph.start();
    }
    Arrays.sort(latencies);
    return new double[] {finished.size() / ((lastCompleted - firstSubmit) / 1e9),
        Workload.percentile(latencies, 0.50) / 1e6, Workload.percentile(latencies, 0.99) / 1e6};
  }

  private record Finished(String id, long start, long end) {}

  /** All graphs in flight at once: one virtual thread each, released together. */
  private List<Finished> runConcurrently(int count) throws InterruptedException {
    return Burst.run(count, i -> {
      OrchestratorGrpc.OrchestratorBlockingStub stub = stubs.get(i % stubs.size());
      return () -> run(stub);
    }, e -> e.getClass().getSimpleName() + ": " + e.getMessage());
  }

  private Finished run(OrchestratorGrpc.OrchestratorBlockingStub stub) {
    OrchestratorGrpc.OrchestratorBlockingStub call = stub.withDeadlineAfter(3L * WAIT_SECONDS, TimeUnit.SECONDS);
    long start = System.nanoTime();
    String id = call.submitGraph(DIAMOND).getId();
    Graph graph = null;
    if (watch) {
      Iterator<Event> events = call.watchGraph(WatchGraphRequest.newBuilder().setGraphId(id).build());
      Event last = null;
      while (events.hasNext()) {
        last = events.next();
      }
      if (last == null || !last.getType().equals("GraphCompleted")) {
        throw new BenchException("graph " + id + " ended with " + (last == null ? "no event" : last.getType()));
      }
    } else {
      GetGraphRequest poll = GetGraphRequest.newBuilder().setGraphId(id).setWaitSeconds(WAIT_SECONDS).build();
      do {
        graph = call.getGraph(poll);
      } while (graph.getStatus().equals("pending") || graph.getStatus().equals("running"));
    }
    long end = System.nanoTime();
    if (graph == null) {
      graph = call.getGraph(GetGraphRequest.newBuilder().setGraphId(id).build());
    }
    requireAllNodesCompleted(graph);
    return new Finished(id, start, end);
  }

  private static void requireAllNodesCompleted(Graph graph) {
    if (!graph.getStatus().equals("completed")) {
      throw new BenchException("graph " + graph.getId() + " ended " + graph.getStatus() + ": " + graph.getError());
    }
    if (graph.getNodesCount() != GraphBodies.DIAMOND_NODES
        || !graph.getNodesList().stream().map(Node::getStatus).allMatch("completed"::equals)) {
      throw new BenchException("graph " + graph.getId() + " completed, but not every one of its "
          + GraphBodies.DIAMOND_NODES + " nodes did: " + graph.getNodesList());
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      usage(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println("grpc-w3: " + problem);
    System.err.println("usage: GrpcW3 HOST PORT [--graphs 500] [--runs 5] [--watch] [--channels 1]");
    System.exit(2);
  }
}
