package io.dago.load;

import io.dago.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load test {@code scripts/load} runs against a dago process: {@code --clients} submitters, each on a virtual
 * thread, submit small diamond graphs in a loop for {@code --seconds} (each submits, long-polls its graph to the end,
 * and submits the next), while {@code --watchers} WebSocket clients follow them, watcher i every graph of submitter i
 * (of submitter i modulo the clients). Before that, the same load runs unmeasured for {@code --warmup} seconds.
 *
 * <p>Then every accepted graph must have reached a terminal status with a complete event log (see
 * {@link EventLogCheck}), over HTTP and as its watcher saw it, and no answer may have been a 5xx. Memory: the server's
 * resident set ({@code VmRSS}) and heap after a full GC ({@code jcmd PID GC.run}, then {@code /metrics}) are taken
 * after the warm-up, right after the run, and after {@code --idle} seconds of quiet. Flat means: the resident set
 * after idle is at most the warm-up's plus 25% (at least 64 MiB), and the heap after GC at most the warm-up's plus
 * 32 MiB. Embedded mode keeps every graph in memory for good ({@code --retains-graphs}): there the heap's growth is
 * reported per graph instead, and allowed in the resident set (see {@link #memoryVerdict}).
 *
 * <pre>
 *   LoadTest --http http://127.0.0.1:PORT --ws ws://127.0.0.1:PORT --pid PID [--seconds 30] [--clients 200]
 *            [--watchers 200] [--warmup 10] [--idle 10] [--retains-graphs]
 * </pre>
 *
 * Exits 1 on any 5xx, lost graph, incomplete log or memory growth past the margin; 2 on bad arguments.
 */
public final class LoadTest {
  private static final Pattern HEAP = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$");
  private static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled");
  private static final Set<String> DIAMOND = Set.of("a", "b", "c", "d");
  /** RSS may grow this much over the warm-up's (fragmentation, code cache, thread stacks) before it counts. */
  private static final double RSS_MARGIN = 0.25;
  private static final long RSS_MARGIN_FLOOR = 64L << 20;
  private static final long HEAP_MARGIN = 32L << 20;

  private final String httpBase;
  private final String wsBase;
  private final long pid;
  private final int seconds;
  private final int clients;
  private final int watchers;
  private final int warmup;
  private final int idle;
  /** Embedded mode keeps every graph in memory for good: heap growth per graph is expected, and reported. */
  private final boolean retainsGraphs;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();

  private final Map<Integer, AtomicInteger> submitStatuses = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicInteger> pollStatuses = new ConcurrentHashMap<>();
  private final AtomicInteger ioErrors = new AtomicInteger();
  private final List<String> accepted = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Long> submitLatencies = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Long> graphLatencies = new ConcurrentLinkedQueue<>();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, List<Map<String, Object>>> watched = new ConcurrentHashMap<>();
  private final Map<String, Integer> closeCodes = Watcher.newCloseCodes();
  private final AtomicLong measuredGraphs = new AtomicLong();

  private LoadTest(Map<String, String> options) {
    this.httpBase = required(options, "http");
    this.wsBase = required(options, "ws");
    this.pid = Long.parseLong(required(options, "pid"));
    this.seconds = Integer.parseInt(options.getOrDefault("seconds", "30"));
    this.clients = Integer.parseInt(options.getOrDefault("clients", "200"));
    this.watchers = Integer.parseInt(options.getOrDefault("watchers", "200"));
    this.warmup = Integer.parseInt(options.getOrDefault("warmup", "10"));
    this.idle = Integer.parseInt(options.getOrDefault("idle", "10"));
    this.retainsGraphs = options.containsKey("retains-graphs");
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new ConcurrentHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        usage("unexpected argument " + args[i]);
      }
      String name = args[i].substring(2);
      if (name.equals("retains-graphs")) {
        options.put(name, "true");
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      } else {
        usage(args[i] + " needs a value");
      }
    }
    System.exit(new LoadTest(options).run() ? 0 : 1);
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) {
      usage("--" + name + " is required");
    }
    return value;
  }

  private static void usage(String problem) {
    System.err.println("load: " + problem + "\nusage: LoadTest --http URL --ws URL --pid PID [--seconds 30] "
        + "[--clients 200] [--watchers 200] [--warmup 10] [--idle 10] [--retains-graphs]");
    System.exit(2);
  }

  private boolean run() throws Exception {
    progress("warm-up: " + clients + " submitters and " + watchers + " watchers for " + warmup + " s");
    phase(warmup, false);
    long warmGraphs = accepted.size();
    Memory warm = memory("after warm-up");
    progress("load: " + clients + " submitters and " + watchers + " watchers for " + seconds + " s");
    long started = System.nanoTime();
    phase(seconds, true);
    double elapsed = (System.nanoTime() - started) / 1e9;
    long rssAfterRun = rss();
    progress("checking " + accepted.size() + " accepted graphs");
    int lost = verify();
    progress("idle for " + idle + " s");
    Thread.sleep(Duration.ofSeconds(idle));
    Memory quiet = memory("after " + idle + " s idle");
    String memoryProblem = memoryVerdict(warm, quiet, accepted.size() - warmGraphs);

    long fiveXx = count5xx(submitStatuses) + count5xx(pollStatuses);
    System.out.println("## dago load test");
    System.out.println();
    System.out.printf("- Load: %d submitters (submit a 4-node diamond, long-poll it to its end, repeat) and %d "
        + "WebSocket watchers, %d s measured after a %d s warm-up%n", clients, watchers, seconds, warmup);
    System.out.printf("- Graphs accepted: %d (%d in the measured run, %.1f graphs/s, %.1f nodes/s)%n",
        accepted.size(), measuredGraphs.get(), measuredGraphs.get() / elapsed, 4 * measuredGraphs.get() / elapsed);
    System.out.println("- Submit answers: " + sorted(submitStatuses) + "; long-poll answers: " + sorted(pollStatuses)
        + "; connection errors: " + ioErrors.get());
    System.out.println("- 5xx answers: " + fiveXx);
    System.out.println("- Lost graphs (not terminal, or an incomplete log over HTTP): " + lost);
    System.out.println("- WebSocket: " + watched.size() + " graphs followed to the end; close codes " + closeCodes);
    System.out.printf("- Submit latency (measured run): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        percentile(submitLatencies, 50), percentile(submitLatencies, 99), percentile(submitLatencies, 100));
    System.out.printf("- Graph latency, submit to terminal (measured run): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        percentile(graphLatencies, 50), percentile(graphLatencies, 99), percentile(graphLatencies, 100));
    System.out.printf("- Server memory: RSS %s after warm-up, %s right after the run, %s after %d s idle (VmHWM %s);"
        + " heap after a full GC %s after warm-up, %s after idle%n", mib(warm.rss), mib(rssAfterRun), mib(quiet.rss),
        idle, mib(quiet.peakRss), mib(warm.heap), mib(quiet.heap));
    System.out.println("- Memory: " + (memoryProblem == null ? "flat" : "NOT FLAT: " + memoryProblem));
    if (!failures.isEmpty()) {
      System.out.println("- Failures (" + failures.size() + "):");
      failures.stream().limit(20).forEach(f -> System.out.println("  - " + f));
    }
    boolean passed = fiveXx == 0 && lost == 0 && failures.isEmpty() && memoryProblem == null;
    System.out.println("- Result: " + (passed ? "PASS" : "FAIL"));
    return passed;
  }

  /** Submitters and watchers for {@code duration} seconds; returns once every watcher has drained its graphs. */
  private void phase(int duration, boolean measured) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    List<Watcher> followers = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < watchers; i++) {
        Watcher watcher = new Watcher(http, wsBase, done, watched, closeCodes, failures);
        followers.add(watcher);
        threads.submit(watcher);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(duration);
      List<Future<?>> submitters = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Watcher watcher = followers.isEmpty() ? null : followers.get(i % followers.size());
        int client = i;
        submitters.add(threads.submit(() -> submitLoop(client, deadline, watcher, measured)));
      }
      for (Future<?> submitter : submitters) {
        submitter.get();
      }
      done.set(true);
      progress("submitters stopped; watchers have " + followers.stream().mapToInt(Watcher::backlog).sum()
          + " graphs left to follow");
    }
  }

  private Void submitLoop(int client, long deadline, Watcher watcher, boolean measured) {
    int sequence = 0;
    while (System.nanoTime() < deadline) {
      String body = diamond("load-" + client + "-" + sequence++);
      long started = System.nanoTime();
      HttpResponse<String> submitted;
      try {
        submitted = http.send(HttpRequest.newBuilder(URI.create(httpBase + "/api/v1/graphs"))
            .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        ioErrors.incrementAndGet();
        failures.add("submit: " + e);
        pause();
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      long submitNanos = System.nanoTime() - started;
      submitStatuses.computeIfAbsent(submitted.statusCode(), s -> new AtomicInteger()).incrementAndGet();
      if (submitted.statusCode() != 202) {
        if (failures.size() < 1000) {
          failures.add("submit answered " + submitted.statusCode() + ": " + submitted.body());
        }
        pause();
        continue;
      }
      String id = (String) Json.parseObject(submitted.body().getBytes(StandardCharsets.UTF_8)).get("id");
      accepted.add(id);
      if (watcher != null) {
        watcher.follow(id);
      }
      String status = awaitEnd(id);
      if (measured) {
        measuredGraphs.incrementAndGet();
        submitLatencies.add(submitNanos);
        if (status != null) {
          graphLatencies.add(System.nanoTime() - started);
        }
      }
    }
    return null;
  }

  /** Long-polls the graph to its end; null when it did not end within three polls. */
  private String awaitEnd(String id) {
    for (int poll = 0; poll < 3; poll++) {
      try {
        HttpResponse<String> state = http.send(HttpRequest.newBuilder(
                URI.create(httpBase + "/api/v1/graphs/" + id + "?wait=60")).timeout(Duration.ofSeconds(90)).build(),
            HttpResponse.BodyHandlers.ofString());
        pollStatuses.computeIfAbsent(state.statusCode(), s -> new AtomicInteger()).incrementAndGet();
        if (state.statusCode() == 200) {
          Object status = Json.parseObject(state.body().getBytes(StandardCharsets.UTF_8)).get("status");
          if (TERMINAL.contains(status)) {
            return (String) status;
          }
        }
      } catch (IOException e) {
        ioErrors.incrementAndGet();
        failures.add("poll of " + id + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** Every accepted graph: terminal, its HTTP log complete, and its watcher's log the same. @return graphs lost */
  private int verify() throws Exception {
    AtomicInteger lost = new AtomicInteger();
    Semaphore slots = new Semaphore(32);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String id : accepted) {
        slots.acquire();
        threads.submit(() -> {
          try {
            HttpResponse<String> state = http.send(HttpRequest.newBuilder(
                URI.create(httpBase + "/api/v1/graphs/" + id + "?wait=60")).timeout(Duration.ofSeconds(90)).build(),
                HttpResponse.BodyHandlers.ofString());
            Object status = state.statusCode() == 200
                ? Json.parseObject(state.body().getBytes(StandardCharsets.UTF_8)).get("status") : null;
            HttpResponse<String> log = http.send(HttpRequest.newBuilder(
                URI.create(httpBase + "/api/v1/graphs/" + id + "/events")).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> events = log.statusCode() == 200 ? (List<Map<String, Object>>) Json.parseObject(
                log.body().getBytes(StandardCharsets.UTF_8)).get("events") : List.of();
            String problem = !"completed".equals(status) ? "status " + status + " (HTTP " + state.statusCode() + ")"
                : EventLogCheck.problem(events, DIAMOND);
            if (problem == null && watchers > 0) {
              List<Map<String, Object>> seen = watched.get(id);
              if (seen == null) {
                problem = "no watcher followed it";
              } else if (!seqs(seen).equals(seqs(events))) {
                problem = "its watcher saw seqs " + seqs(seen) + ", the log has " + seqs(events);
              } else {
                problem = EventLogCheck.problem(seen, DIAMOND);
              }
            }
            if (problem != null) {
              lost.incrementAndGet();
              failures.add("graph " + id + ": " + problem);
            }
          } catch (Exception e) {
            lost.incrementAndGet();
            failures.add("graph " + id + ": cannot check: " + e);
          } finally {
            slots.release();
          }
          return null;
        });
      }
    }
    return lost.get();
  }

  private static List<Object> seqs(List<Map<String, Object>> events) {
    List<Object> seqs = new ArrayList<>();
    for (Map<String, Object> event : events) {
      if (event.get("seq") != null) {
        seqs.add(((Number) event.get("seq")).longValue());
      }
    }
    return seqs;
  }

  /**
   * @param graphs graphs accepted since the warm-up; in embedded mode the server keeps each one in memory for good
   * @return null when memory stayed flat, else why not
   */
  private String memoryVerdict(Memory warm, Memory quiet, long graphs) {
    List<String> problems = new ArrayList<>();
    // What embedded mode keeps of the graphs accepted since (every one, for good) may show in the RSS too.
    long retained = retainsGraphs && warm.heap > 0 && quiet.heap > warm.heap ? quiet.heap - warm.heap : 0;
    long rssAllowed = warm.rss + Math.max(RSS_MARGIN_FLOOR, (long) (warm.rss * RSS_MARGIN)) + retained;
    if (quiet.rss > rssAllowed) {
      problems.add("RSS " + mib(quiet.rss) + " after idle is over " + mib(rssAllowed) + " (warm-up's plus the margin"
          + (retained > 0 ? " plus the " + mib(retained) + " of graphs embedded mode keeps" : "") + ")");
    }
    if (warm.heap > 0 && quiet.heap > 0) {
      long grown = quiet.heap - warm.heap;
      if (retainsGraphs) {
        System.out.printf("- Heap retained per graph accepted after the warm-up (embedded mode keeps every graph): "
            + "%.1f KiB%n", graphs == 0 ? 0.0 : grown / 1024.0 / graphs);
      } else if (grown > HEAP_MARGIN) {
        problems.add("heap after GC grew by " + mib(grown) + " (" + mib(warm.heap) + " to " + mib(quiet.heap) + ")");
      }
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  private record Memory(long rss, long peakRss, long heap) {}

  /** A full GC in the server, then its resident set and its heap as /metrics reports it. */
  private Memory memory(String when) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    boolean collected = false;
    if (Files.isExecutable(jcmd)) {
      Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      collected = gc.waitFor(30, TimeUnit.SECONDS) && gc.exitValue() == 0;
    }
    Thread.sleep(1_000);
    long heap = -1;
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(httpBase + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    Matcher matcher = HEAP.matcher(metrics.body());
    if (metrics.statusCode() == 200 && matcher.find()) {
      heap = (long) Double.parseDouble(matcher.group(1));
    }
    Memory memory = new Memory(rss(), status("VmHWM"), heap);
    progress("memory " + when + ": RSS " + mib(memory.rss) + ", heap " + mib(heap)
        + (collected ? " after a full GC" : " (no GC: jcmd failed)"));
    return memory;
  }

  private long rss() throws IOException {
    return status("VmRSS");
  }

  private long status(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return -1;
  }

  private static String diamond(String name) {
    return "{\"name\": \"" + name + "\", \"input\": {\"topic\": \"load\"}, \"nodes\": ["
        + "{\"id\": \"a\", \"prompt\": \"Outline {{input.topic}}\"},"
        + "{\"id\": \"b\", \"depends_on\": [\"a\"], \"prompt\": \"Intro: {{nodes.a.output}}\"},"
        + "{\"id\": \"c\", \"depends_on\": [\"a\"], \"prompt\": \"Facts: {{nodes.a.output}}\"},"
        + "{\"id\": \"d\", \"depends_on\": [\"b\", \"c\"], \"prompt\": \"{{nodes.b.output}} {{nodes.c.output}}\"}]}";
  }

  private static long count5xx(Map<Integer, AtomicInteger> statuses) {
    return statuses.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(e -> e.getValue().get()).sum();
  }

  private static String sorted(Map<Integer, AtomicInteger> statuses) {
    return new java.util.TreeMap<>(statuses).toString();
  }

  private static double percentile(ConcurrentLinkedQueue<Long> nanos, int percentile) {
    List<Long> sorted = new ArrayList<>(nanos);
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "?" : String.format("%.1f MiB", bytes / 1048576.0);
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void progress(String message) {
    System.err.println("load: " + message);
  }
}
