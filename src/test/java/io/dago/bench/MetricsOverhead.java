package io.dago.bench;

import io.dago.Dago;
import io.dago.config.ConfigLoader;
import io.dago.log.Logging;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What recording metrics costs W1, measured so that the comparison is not drowned by how much one server process
 * differs from the next (on two cores the same build's W1 median moves by a third between processes, far more than
 * the 3% to be shown). One process hosts two complete dago servers, one with metrics as built and one with the
 * no-op recorders ({@code DAGO_METRICS=false}); they share the JIT's compiled code, the heap and the collector, so
 * whatever state the process is in, both are in it. The client then runs W1 on each in turn, alternating which goes
 * first, and judges the ratio of each pair.
 *
 * <pre>
 *   MetricsOverhead serve
 *       starts both servers (loopback, every port picked by the system) from the environment as {@code dago.jar}
 *       reads it, prints "metrics on: URL" and "metrics off: URL", and runs until it is stopped (SIGTERM);
 *       with -Ddago.bench.bothOff=true the first server has no metrics either: an A/A run, which shows how far
 *       the method itself reads a difference where there is none; with -Ddago.bench.offFirst=true the server
 *       without metrics starts first (scripts/bench alternates it between processes)
 *   MetricsOverhead measure --on URL --off URL [--pairs N] [--warmup-seconds S]
 *       warms both up, then runs N pairs of W1 (default 200) and prints every pair and the summary
 *   MetricsOverhead summarize FILE...
 *       the summary of every pair that measure printed into the files, pooled
 * </pre>
 */
public final class MetricsOverhead {
  /** The most W1 throughput may lose to recording metrics. */
  static final double GOAL_RATIO = 0.97;
  /** System property of {@code serve}: start the "on" server without metrics too (an A/A run). */
  static final String BOTH_OFF = "dago.bench.bothOff";
  /** System property of {@code serve}: start the server without metrics first. */
  static final String OFF_FIRST = "dago.bench.offFirst";
  private static final Pattern PAIR = Pattern.compile("pair \\d+: on ([0-9.]+), off ([0-9.]+) nodes/s, .*");

  private MetricsOverhead() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("serve")) {
      serve();
    } else if (args.length > 0 && args[0].equals("measure")) {
      try {
        measure(args);
      } catch (BenchException e) {
        System.err.println("bench: " + e.getMessage());
        System.exit(1);
      }
    } else if (args.length > 1 && args[0].equals("summarize")) {
      summarize(Arrays.copyOfRange(args, 1, args.length));
    } else {
      System.err.println("usage: MetricsOverhead serve");
      System.err.println("       MetricsOverhead measure --on URL --off URL [--pairs N] [--warmup-seconds S]");
      System.err.println("       MetricsOverhead summarize FILE...");
      System.exit(2);
    }
  }

  private static void serve() throws Exception {
    System.setProperty("java.util.logging.manager", "io.dago.log.ShutdownSafeLogManager");
    // The A/A check of the method: both servers without metrics, so any difference measured is the method's own.
    boolean metrics = !Boolean.getBoolean(BOTH_OFF);
    // Which server starts first (and so, say, owns the older objects and threads) alternates between processes.
    boolean offFirst = Boolean.getBoolean(OFF_FIRST);
    Dago first = start(!offFirst && metrics);
    Dago second = start(offFirst && metrics);
    Dago on = offFirst ? second : first;
    Dago off = offFirst ? first : second;
    System.out.println("metrics on: http://127.0.0.1:" + on.httpPort());
    System.out.println("metrics off: http://127.0.0.1:" + off.httpPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      on.close();
      off.close();
    }));
    Thread.currentThread().join();
  }

  private static Dago start(boolean metrics) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(Map.of("DAGO_BIND", "127.0.0.1", "DAGO_HTTP_PORT", "0", "DAGO_GRPC_PORT", "0", "DAGO_WS_PORT", "0",
        "DAGO_METRICS", String.valueOf(metrics)));
    ConfigLoader.Loaded loaded = ConfigLoader.load(env);
    Logging.configure(loaded.config().logLevel(), loaded.config().logFormat(), loaded.config().instanceId());
    return Dago.start(loaded.config());
  }

  private static void measure(String[] args) throws Exception {
    URI on = null;
    URI off = null;
    int pairs = 200;
    int warmUpSeconds = 10;
    for (int i = 1; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--on" -> on = URI.create(args[i + 1]);
        case "--off" -> off = URI.create(args[i + 1]);
        case "--pairs" -> pairs = Integer.parseInt(args[i + 1]);
        case "--warmup-seconds" -> warmUpSeconds = Integer.parseInt(args[i + 1]);
        default -> throw new BenchException("unknown argument '" + args[i] + "'");
      }
    }
    if (on == null || off == null || pairs < 1) {
      throw new BenchException("measure needs --on URL, --off URL and at least one pair");
    }
    try (DagoClient metricsOn = new DagoClient(List.of(on)); DagoClient metricsOff = new DagoClient(List.of(off))) {
      metricsOn.runConcurrently(GraphBodies.DIAMOND, Bench.WARM_UP_GRAPHS);
      metricsOff.runConcurrently(GraphBodies.DIAMOND, Bench.WARM_UP_GRAPHS);
      long warmUpEnd = System.nanoTime() + warmUpSeconds * 1_000_000_000L;
      do {
        w1(metricsOn);
        w1(metricsOff);
      } while (System.nanoTime() < warmUpEnd);

      double[] withMetrics = new double[pairs];
      double[] without = new double[pairs];
      for (int i = 0; i < pairs; i++) {
        // Alternating which goes first, so that neither always runs right after the other's garbage.
        if (i % 2 == 0) {
          withMetrics[i] = w1(metricsOn);
          without[i] = w1(metricsOff);
        } else {
          without[i] = w1(metricsOff);
          withMetrics[i] = w1(metricsOn);
        }
        // Read back by summarize (PAIR).
        System.out.printf(Locale.ROOT, "pair %d: on %.0f, off %.0f nodes/s, on/off %.3f%n", i + 1, withMetrics[i],
            without[i], withMetrics[i] / without[i]);
      }
      System.out.print(summary(withMetrics, without));
    }
  }

  private static void summarize(String[] files) throws IOException {
    List<Double> withMetrics = new ArrayList<>();
    List<Double> without = new ArrayList<>();
    for (String file : files) {
      for (String line : Files.readAllLines(Path.of(file))) {
        Matcher pair = PAIR.matcher(line);
        if (pair.matches()) {
          withMetrics.add(Double.parseDouble(pair.group(1)));
          without.add(Double.parseDouble(pair.group(2)));
        }
      }
    }
    if (withMetrics.isEmpty()) {
      throw new BenchException("no pairs in " + String.join(", ", files));
    }
    System.out.print(summary(withMetrics.stream().mapToDouble(Double::doubleValue).toArray(),
        without.stream().mapToDouble(Double::doubleValue).toArray()));
  }

  /** One W1 run: nodes per second. */
  private static double w1(DagoClient client) throws InterruptedException {
    return Workload.W1.measure(client).getFirst().value();
  }

  /**
   * The medians of each side and of the pairs' ratios, with a distribution-free 95% confidence interval for the
   * latter (the order statistics a sign test would use), and whether the goal is met: the whole interval at or
   * above {@link #GOAL_RATIO}.
   */
  static String summary(double[] withMetrics, double[] without) {
    int n = withMetrics.length;
    double[] ratios = new double[n];
    for (int i = 0; i < n; i++) {
      ratios[i] = withMetrics[i] / without[i];
    }
    double[] low = lowAndHighOfMedian(ratios);
    boolean met = low[0] >= GOAL_RATIO;
    return String.format(Locale.ROOT, "W1 pairs: %d; median nodes/s: metrics on %.0f, off %.0f%n"
            + "on/off: median %.3f, 95%% interval %.3f to %.3f; goal >= %.2f: %s%n",
        n, median(withMetrics), median(without), median(ratios), low[0], low[1], GOAL_RATIO,
        met ? "met" : low[1] < GOAL_RATIO ? "NOT met" : "not shown");
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /**
   * The ranks {@code k} and {@code n-1-k} around the median with {@code k = floor((n - 1.96 sqrt(n)) / 2)}: the
   * normal approximation of the binomial(n, 1/2) interval, close enough from about 20 values on.
   */
  static double[] lowAndHighOfMedian(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    int k = Math.max(0, (int) Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
    return new double[] {sorted[k], sorted[n - 1 - k]};
  }
}
