package io.dago.bench;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The load client behind {@code scripts/bench}. The script owns the server processes (it starts, measures and stops
 * them); this class only talks to a running dago over HTTP and appends its figures to a results file, which the
 * script has it turn into the final table once every server process is done.
 *
 * <pre>
 *   Bench free-ports N                  prints N free loopback ports, one a line
 *   Bench run --url URL [--url URL2 ...] --results FILE [--runs N] [--warmup-seconds S]
 *             [--redis HOST:PORT [--redis-log FILE]] W1 [W2 ...]
 *                                       warms the server up, then measures each workload N times (default 10)
 *   Bench report --results FILE [--redis-goals]
 *                                       prints the Markdown table, judged by the embedded or the Redis mode goals
 * </pre>
 *
 * <p>Several {@code --url}s are instances of one deployment sharing a Redis: single graphs go to the first, bursts
 * (the warm-up's and W3's) are spread over all of them. With {@code --redis}, {@code INFO commandstats} is read
 * before and after each measured run (never around the warm-up): the Redis commands of the run per node it
 * executed become a figure, and the per-command breakdown of each workload's runs goes to {@code --redis-log}.
 *
 * Any graph that does not end {@code completed} stops the run with exit status 1: a failed run is an error, never
 * a number.
 */
public final class Bench {
  /** Small graphs sent before anything is measured, all in flight at once. */
  static final int WARM_UP_GRAPHS = 300;
  /**
   * Unmeasured rounds of the workloads after those: at least one, and more until {@code --warmup-seconds} have
   * passed. On two cores, where the JIT competes with the server and the client for CPU, W3 keeps getting faster
   * for about ten seconds of load.
   */
  static final int WARM_UP_ROUNDS = 1;
  /**
   * Bound on one client process, so that a server that stops answering fails the benchmark instead of hanging it.
   * Requests carry no timeouts of their own: the JDK client keeps them in one synchronized set, which costs
   * measurable CPU with hundreds of requests in flight on two cores.
   */
  static final Duration GIVE_UP = Duration.ofMinutes(10);

  private Bench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage("no command given");
    }
    try {
      switch (args[0]) {
        case "free-ports" -> freePorts(args.length == 2 ? Integer.parseInt(args[1]) : 1);
        case "run" -> run(Options.parse(args));
        case "report" -> report(Options.parse(args));
        default -> usage("unknown command '" + args[0] + "'");
      }
    } catch (BenchException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(1);
    }
  }

  private static void run(Options options) throws Exception {
    if (options.urls.isEmpty() || options.results == null || options.workloads.isEmpty()) {
      usage("run needs --url, --results and at least one workload");
    }
    Thread.ofPlatform().daemon().name("bench-watchdog").start(() -> {
      try {
        Thread.sleep(GIVE_UP);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("bench: the server has not finished the workloads within " + GIVE_UP.toMinutes()
          + " minutes; giving up");
      Runtime.getRuntime().halt(1);
    });
    try (DagoClient client = new DagoClient(options.urls.stream().map(URI::create).toList())) {
      long start = System.nanoTime();
      int rounds = warmUp(client, options.workloads, Duration.ofSeconds(options.warmUpSeconds));
      System.err.printf(Locale.ROOT, "bench: warmed up in %.1f s (%d small graphs, then %d round%s of %s)%n",
          (System.nanoTime() - start) / 1e9, WARM_UP_GRAPHS, rounds, rounds == 1 ? "" : "s", options.workloads);
      for (Workload workload : options.workloads) {
        RedisCommandStats commands = RedisCommandStats.empty();
        for (int run = 1; run <= options.runs; run++) {
          RedisCommandStats before = options.redis == null ? null : RedisCommandStats.read(options.redis);
          List<Measurement> figures = new ArrayList<>(workload.measure(client));
          if (before != null) {
            RedisCommandStats ran = RedisCommandStats.read(options.redis).since(before);
            commands = commands.plus(ran);
            figures.add(new Measurement(Figure.redisCommandsPerNode(workload),
                (double) ran.calls() / workload.nodesPerRun));
          }
          Results.append(options.results, figures);
          System.err.println("bench: " + workload.name() + " run " + run + "/" + options.runs + ": " + figures);
        }
        if (options.redisLog != null) {
          Files.writeString(options.redisLog, commands.breakdown(workload.name() + ", " + options.runs + " measured run"
              + (options.runs == 1 ? "" : "s"), (long) options.runs * workload.nodesPerRun) + "\n",
              StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
      }
    }
  }

  /**
   * Brings the server's JIT and connection handling up to speed: a burst of small graphs, then unmeasured rounds of
   * the workloads to be measured. Diamonds only when nodes answer at once; with the echo provider's latency a graph
   * takes a second per level, so the burst is of single nodes instead.
   *
   * @return the number of rounds
   */
  private static int warmUp(DagoClient client, Set<Workload> workloads, Duration least) throws Exception {
    long start = System.nanoTime();
    byte[] small = workloads.contains(Workload.W4) ? GraphBodies.SINGLE : GraphBodies.DIAMOND;
    client.runConcurrently(small, WARM_UP_GRAPHS);
    int rounds = 0;
    while (rounds < WARM_UP_ROUNDS || System.nanoTime() - start < least.toNanos()) {
      for (Workload workload : workloads) {
        workload.measure(client);
      }
      rounds++;
    }
    return rounds;
  }

  private static void report(Options options) throws Exception {
    if (options.results == null) {
      usage("report needs --results");
    }
    var runs = Results.read(options.results);
    if (runs.isEmpty()) {
      throw new BenchException("no results in " + options.results);
    }
    System.out.print(Results.table(runs, options.redisGoals));
    System.out.println();
    System.out.println("Every run:");
    System.out.println();
    System.out.println("```");
    System.out.print(Results.rawRuns(runs));
    System.out.println("```");
  }

  /** Ports free right now; the caller hands them to a server that binds them a moment later. */
  private static void freePorts(int count) throws Exception {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        System.out.println(socket.getLocalPort());
      }
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  private static void usage(String problem) {
    System.err.println("bench: " + problem);
    System.err.println("usage: Bench free-ports N");
    System.err.println("       Bench run --url URL [--url URL2 ...] --runs N [--warmup-seconds S] --results FILE");
    System.err.println("                 [--redis HOST:PORT [--redis-log FILE]] W1|W2|W3|W4 ...");
    System.err.println("       Bench report --results FILE [--redis-goals]");
    System.exit(2);
  }

  private static final class Options {
    final List<String> urls = new ArrayList<>();
    int runs = 10;
    int warmUpSeconds = 10;
    Path results;
    /** host:port of the Redis the servers share, to count its commands; null when embedded */
    String redis;
    Path redisLog;
    boolean redisGoals;
    final Set<Workload> workloads = EnumSet.noneOf(Workload.class);

    static Options parse(String[] args) {
      Options options = new Options();
      for (int i = 1; i < args.length; i++) {
        switch (args[i]) {
          case "--url" -> options.urls.add(value(args, ++i));
          case "--redis" -> options.redis = value(args, ++i);
          case "--redis-log" -> options.redisLog = Path.of(value(args, ++i));
          case "--redis-goals" -> options.redisGoals = true;
          case "--runs" -> options.runs = Integer.parseInt(value(args, ++i));
          case "--warmup-seconds" -> options.warmUpSeconds = Integer.parseInt(value(args, ++i));
          case "--results" -> options.results = Path.of(value(args, ++i));
          default -> {
            try {
              options.workloads.add(Workload.valueOf(args[i].toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
              usage("unknown argument '" + args[i] + "'");
            }
          }
        }
      }
      if (options.runs < 1) {
        usage("--runs must be at least 1, got " + options.runs);
      }
      if (options.warmUpSeconds < 0) {
        usage("--warmup-seconds must not be negative, got " + options.warmUpSeconds);
      }
      return options;
    }

    private static String value(String[] args, int i) {
      if (i >= args.length) {
        usage(args[i - 1] + " needs a value");
      }
      return args[i];
    }
  }
}
