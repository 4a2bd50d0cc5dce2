package io.dago.bench;

import java.util.Locale;

/**
 * Every number the benchmark reports, in the order of the table. A figure's name is its key in the results file.
 * The peak RSS figures are measured by {@code scripts/bench}, which owns the server and Redis processes; the Redis
 * command counts only in Redis mode ({@code Bench run --redis}).
 *
 * <p>Each figure has a goal for the embedded defaults and one for Redis mode (null: reported without a target).
 */
enum Figure {
  W1_NODES_PER_S(Workload.W1, "nodes/s", 0, Goal.atLeast(20_000, 0), Goal.atLeast(5_000, 0)),
  W1_REDIS_COMMANDS_PER_NODE(Workload.W1, "Redis commands per node", 2, null, Goal.atMost(8, 0)),
  W2_MS_PER_STEP(Workload.W2, "ms per step", 3, Goal.below(0.2, 1), Goal.below(1, 0)),
  W2_REDIS_COMMANDS_PER_NODE(Workload.W2, "Redis commands per node", 2, null, Goal.atMost(8, 0)),
  W3_GRAPHS_PER_S(Workload.W3, "graphs/s", 0, Goal.atLeast(2_500, 0), Goal.atLeast(1_000, 0)),
  W3_P50_MS(Workload.W3, "p50 latency, ms", 1, null, null),
  W3_P99_MS(Workload.W3, "p99 latency, ms", 1, Goal.below(300, 0), null),
  W3_REDIS_COMMANDS_PER_NODE(Workload.W3, "Redis commands per node", 2, null, Goal.atMost(8, 0)),
  W4_WALL_S(Workload.W4, "wall time, s", 3, Goal.below(1.3, 1), Goal.below(1.5, 1)),
  W4_REDIS_COMMANDS_PER_NODE(Workload.W4, "Redis commands per node", 2, null, Goal.atMost(8, 0)),
  W4_PEAK_RSS_MIB(Workload.W4, "peak RSS, MiB", 0, Goal.below(250, 0), null),
  W4_PEAK_RSS_2_MIB(Workload.W4, "peak RSS of instance 2, MiB", 0, null, null),
  W4_REDIS_PEAK_RSS_MIB(Workload.W4, "peak RSS of redis-server, MiB", 0, null, null);

  final Workload workload;
  final String label;
  private final int decimals;
  private final Goal goal;
  private final Goal redisGoal;

  Figure(Workload workload, String label, int decimals, Goal goal, Goal redisGoal) {
    this.workload = workload;
    this.label = label;
    this.decimals = decimals;
    this.goal = goal;
    this.redisGoal = redisGoal;
  }

  /** The target in embedded mode or in Redis mode; null when there is none. */
  Goal goal(boolean redis) {
    return redis ? redisGoal : goal;
  }

  /** The figure for the Redis commands run per node of {@code workload}. */
  static Figure redisCommandsPerNode(Workload workload) {
    return switch (workload) {
      case W1 -> W1_REDIS_COMMANDS_PER_NODE;
      case W2 -> W2_REDIS_COMMANDS_PER_NODE;
      case W3 -> W3_REDIS_COMMANDS_PER_NODE;
      case W4 -> W4_REDIS_COMMANDS_PER_NODE;
    };
  }

  String format(double value) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", value);
  }
}
