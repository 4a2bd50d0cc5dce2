package io.dago.bench;

import java.util.Locale;

/**
 * Every number the benchmark reports, in the order of the table. A figure's name is its key in the results file.
 * {@link #W4_PEAK_RSS_MIB} is measured by {@code scripts/bench}, which owns the server process.
 */
enum Figure {
  W1_NODES_PER_S(Workload.W1, "nodes/s", 0, Goal.atLeast(20_000, 0)),
  W2_MS_PER_STEP(Workload.W2, "ms per step", 3, Goal.below(0.2, 1)),
  W3_GRAPHS_PER_S(Workload.W3, "graphs/s", 0, Goal.atLeast(2_500, 0)),
  W3_P50_MS(Workload.W3, "p50 latency, ms", 1, null),
  W3_P99_MS(Workload.W3, "p99 latency, ms", 1, Goal.below(300, 0)),
  W4_WALL_S(Workload.W4, "wall time, s", 3, Goal.below(1.3, 1)),
  W4_PEAK_RSS_MIB(Workload.W4, "peak RSS, MiB", 0, Goal.below(250, 0));

  final Workload workload;
  final String label;
  private final int decimals;
  /** null when the figure is reported without a target */
  final Goal goal;

  Figure(Workload workload, String label, int decimals, Goal goal) {
    this.workload = workload;
    this.label = label;
    this.decimals = decimals;
    this.goal = goal;
  }

  String format(double value) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", value);
  }
}
