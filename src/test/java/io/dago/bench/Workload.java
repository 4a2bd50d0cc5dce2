package io.dago.bench;

import java.util.Arrays;
import java.util.List;

/**
 * The four workloads. Each run times from just before the submit request until the client has read the answer
 * saying {@code completed}, then checks, off the clock, that every node of every graph completed.
 */
enum Workload {
  W1("W1: fan-out/fan-in, 1 graph of 1002 nodes", GraphBodies.W1_NODES) {
    @Override
    List<Measurement> measure(DagoClient client) throws InterruptedException {
      DagoClient.Finished graph = client.run(GraphBodies.FAN_OUT_FAN_IN);
      DagoClient.requireAllNodesCompleted(graph, GraphBodies.W1_NODES);
      double seconds = graph.elapsedNanos() / 1e9;
      return List.of(new Measurement(Figure.W1_NODES_PER_S, GraphBodies.W1_NODES / seconds));
    }
  },
  W2("W2: chain of 100 nodes", GraphBodies.W2_LENGTH) {
    @Override
    List<Measurement> measure(DagoClient client) throws InterruptedException {
      DagoClient.Finished graph = client.run(GraphBodies.CHAIN);
      DagoClient.requireAllNodesCompleted(graph, GraphBodies.W2_LENGTH);
      double millis = graph.elapsedNanos() / 1e6;
      return List.of(new Measurement(Figure.W2_MS_PER_STEP, millis / GraphBodies.W2_LENGTH));
    }
  },
  W3("W3: 500 concurrent diamonds (4 nodes each)", GraphBodies.W3_GRAPHS * GraphBodies.DIAMOND_NODES) {
    @Override
    List<Measurement> measure(DagoClient client) throws InterruptedException {
      List<DagoClient.Finished> graphs = client.runConcurrently(GraphBodies.DIAMOND, GraphBodies.W3_GRAPHS);
      long firstSubmit = Long.MAX_VALUE;
      long lastCompleted = Long.MIN_VALUE;
      long[] latencies = new long[graphs.size()];
      for (int i = 0; i < graphs.size(); i++) {
        DagoClient.Finished graph = graphs.get(i);
        DagoClient.requireAllNodesCompleted(graph, GraphBodies.DIAMOND_NODES);
        firstSubmit = Math.min(firstSubmit, graph.startNanos());
        lastCompleted = Math.max(lastCompleted, graph.endNanos());
        latencies[i] = graph.elapsedNanos();
      }
      Arrays.sort(latencies);
      double wallSeconds = (lastCompleted - firstSubmit) / 1e9;
      return List.of(
          new Measurement(Figure.W3_GRAPHS_PER_S, graphs.size() / wallSeconds),
          new Measurement(Figure.W3_P50_MS, percentile(latencies, 0.50) / 1e6),
          new Measurement(Figure.W3_P99_MS, percentile(latencies, 0.99) / 1e6));
    }
  },
  W4("W4: 2000 parallel nodes, 1 s echo latency, 2000 workers", GraphBodies.W4_WIDTH) {
    @Override
    List<Measurement> measure(DagoClient client) throws InterruptedException {
      DagoClient.Finished graph = client.run(GraphBodies.PARALLEL);
      DagoClient.requireAllNodesCompleted(graph, GraphBodies.W4_WIDTH);
      return List.of(new Measurement(Figure.W4_WALL_S, graph.elapsedNanos() / 1e9));
    }
  };

  final String title;
  /** How many nodes one run executes: what Redis commands are counted against. */
  final int nodesPerRun;

  Workload(String title, int nodesPerRun) {
    this.title = title;
    this.nodesPerRun = nodesPerRun;
  }

  /** One run: the figures it yields. @throws BenchException when any graph did not complete */
  abstract List<Measurement> measure(DagoClient client) throws InterruptedException;

  /** Nearest rank: the smallest value that at least {@code fraction} of the sorted values do not exceed. */
  static long percentile(long[] sorted, double fraction) {
    int rank = (int) Math.ceil(fraction * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
