package io.dago.bench;

import io.dago.json.Json;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * WebSocket fan-out: {@code clients} WebSocket clients each follow their own W3 diamond from submission to close,
 * while {@code firehose} clients watch every event of every graph. Prints the events delivered per second and the
 * delay from each event's creation (its {@code time}) to its arrival at a client.
 *
 * <pre>
 * java -cp BUILD/test-classes:BUILD/dago.jar io.dago.bench.WsBench HOST WS_PORT HTTP_PORT CLIENTS FIREHOSE \
 *     [WARMUP_SECONDS [RUNS]]
 * </pre>
 *
 * Run the server with a latency that lets followers connect before their graph is over, or every event they get is
 * history: {@code LLM_ECHO_LATENCY_MS=1000 WORKER_POOL_SIZE=2000} makes each diamond take three seconds. Delays are
 * of live events only: a follower's events created before it connected are replayed history, counted as delivered
 * but not in the delay figures. Both ends read the same wall clock; event times have millisecond resolution. Rounds of
 * at most {@value #WARM_UP_CLIENTS} followers warm both JVMs up for {@code WARMUP_SECONDS} (at least one round) and are
 * not reported; then {@code RUNS} measured rounds are, each, and by their median.
 *
 * <p>Exits 1 when a follower missed, repeated or reordered an event or was not closed with 1000, or a firehose
 * client missed an event.
 */
public final class WsBench {
  private static final int EVENTS_PER_DIAMOND = 11;
  private static final int SUBMITS_AT_ONCE = 64;
  private static final int HTTP_CLIENTS = 4;
  private static final int WARM_UP_CLIENTS = 300;
  private static final ExecutorService OPENERS = Executors.newVirtualThreadPerTaskExecutor();

  private WsBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5 || args.length > 7) {
      System.err.println("usage: WsBench HOST WS_PORT HTTP_PORT CLIENTS FIREHOSE_CLIENTS [WARMUP_SECONDS [RUNS]]");
      System.exit(2);
    }
    String host = args[0];
    int wsPort = Integer.parseInt(args[1]);
    int httpPort = Integer.parseInt(args[2]);
    int clients = Integer.parseInt(args[3]);
    int firehoses = Integer.parseInt(args[4]);
    long warmupNanos = TimeUnit.SECONDS.toNanos(args.length > 5 ? Integer.parseInt(args[5]) : 10);
    int runs = args.length > 6 ? Integer.parseInt(args[6]) : 1;
    HttpClient[] http = new HttpClient[HTTP_CLIENTS];
    for (int i = 0; i < http.length; i++) {
      http[i] = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }
    URI ws = URI.create("ws://" + host + ":" + wsPort);
    URI graphs = URI.create("http://" + host + ":" + httpPort + "/api/v1/graphs");
    // Both JVMs compile their hot paths during smaller rounds that are not reported.
    long warmingSince = System.nanoTime();
    int warmUpRounds = 0;
    do {
      round(http, ws, graphs, Math.min(clients, WARM_UP_CLIENTS), firehoses, false);
      warmUpRounds++;
    } while (System.nanoTime() - warmingSince < warmupNanos);
    System.out.printf("warm-up: %d rounds of %d followers in %.1f s, not reported%n", warmUpRounds,
        Math.min(clients, WARM_UP_CLIENTS), (System.nanoTime() - warmingSince) / 1e9);
    List<double[]> results = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      System.out.printf("%nround %d of %d, from %s%n", run, runs, Instant.now());
      // The client's own collections would hold frames in the socket and count as delivery delay: it collects
      // between rounds, and its young generation (see scripts/bench) holds a round's allocations.
      System.gc();
      results.add(round(http, ws, graphs, clients, firehoses, true));
    }
    if (runs > 1) {
      double p99 = median(results, 0);
      System.out.printf("%nmedian of %d rounds: p99 %.1f ms (followers %.1f ms, firehose %.1f ms), %,.0f events/s%n",
          runs, p99, median(results, 1), median(results, 2), median(results, 3));
      System.out.printf("goal p99 < 50 ms with %d clients, median of the rounds: %s%n", clients,
          p99 < 50 ? "met" : "missed");
    }
  }

  private static double median(List<double[]> results, int figure) {
    double[] values = results.stream().mapToDouble(r -> r[figure]).sorted().toArray();
    return values.length % 2 == 1 ? values[values.length / 2]
        : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
  }

  /** @return when reported: p99 of all, of followers, of firehose clients (ms), and events per second; else null */
  private static double[] round(HttpClient[] http, URI ws, URI graphs, int clients, int firehoses, boolean report)
      throws Exception {
    Receiver.lastArrival.set(0);
    List<Receiver> firehose = new ArrayList<>();
    for (int i = 0; i < firehoses; i++) {
      firehose.add(Receiver.open(ws.resolve("/api/v1/events"), false));
    }
    awaitSubscribed(http[0], graphs, firehose);
    firehose.forEach(Receiver::startMeasuring);

    long start = System.nanoTime();
    List<Receiver> followers = new ArrayList<>(clients);
    Semaphore submitting = new Semaphore(SUBMITS_AT_ONCE);
    List<CompletableFuture<Receiver>> opening = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      HttpClient client = http[i % http.length];
      submitting.acquire();
      opening.add(submit(client, graphs).thenApplyAsync(id -> {
        try {
          return Receiver.open(ws.resolve("/api/v1/graphs/" + id + "/events"), true);
        } catch (IOException e) {
          throw new BenchException("cannot follow graph " + id, e);
        }
      }, OPENERS).whenComplete((r, e) -> submitting.release()));
    }
    for (CompletableFuture<Receiver> future : opening) {
      followers.add(future.get(60, TimeUnit.SECONDS));
    }
    for (Receiver follower : followers) {
      follower.closed.get(120, TimeUnit.SECONDS);
    }
    Receiver.awaitCompletions(firehose, clients, Duration.ofSeconds(60));
    long end = Math.max(Receiver.lastArrival.get(), System.nanoTime() - 1);
    firehose.forEach(Receiver::close);

    return report ? report(followers, firehose, clients, (end - start) / 1e9) : null;
  }

  private static double[] report(List<Receiver> followers, List<Receiver> firehose, int clients, double seconds) {
    long delivered = 0;
    List<long[]> followerDelays = new ArrayList<>();
    List<long[]> firehoseDelays = new ArrayList<>();
    long replayed = 0;
    List<String> problems = new ArrayList<>();
    for (Receiver follower : followers) {
      delivered += follower.frames;
      replayed += follower.replayed;
      followerDelays.add(follower.delays());
      if (!follower.inOrder || follower.frames != EVENTS_PER_DIAMOND || follower.closeCode != 1000) {
        problems.add("follower of " + follower.uri + ": " + follower.frames + " events, in order " + follower.inOrder
            + ", closed " + follower.closeCode);
      }
    }
    for (Receiver watcher : firehose) {
      delivered += watcher.frames;
      firehoseDelays.add(watcher.delays());
      if (watcher.completions.get() < clients || watcher.benchFrames() < (long) clients * EVENTS_PER_DIAMOND) {
        problems.add("firehose client saw " + watcher.benchFrames() + " events of " + watcher.completions.get()
            + " completed graphs");
      }
    }
    long[] follow = concat(followerDelays);
    long[] hose = concat(firehoseDelays);
    long[] all = concat(List.of(follow, hose));
    System.out.printf("ws-bench: %d followers (one W3 diamond each), %d firehose clients%n", followers.size(),
        firehose.size());
    System.out.printf("delivered: %,d events in %.2f s = %,.0f events/s%n", delivered, seconds, delivered / seconds);
    System.out.printf("delay, creation to delivery, live events: %s%n", describe(all));
    System.out.printf("  followers: %s; %,d replayed history events not counted%n", describe(follow), replayed);
    System.out.printf("  firehose:  %s%n", describe(hose));
    System.out.printf("goal p99 < 50 ms with %d clients: %s%n", followers.size(),
        all.length > 0 && percentile(all, 0.99) < 50_000 ? "met" : "missed");
    if (!problems.isEmpty()) {
      problems.stream().limit(10).forEach(p -> System.out.println("PROBLEM: " + p));
      System.out.println(problems.size() + " clients did not get what they should have");
      System.exit(1);
    }
    return new double[] {p99Millis(all), p99Millis(follow), p99Millis(hose), delivered / seconds};
  }

  private static double p99Millis(long[] sortedMicros) {
    return sortedMicros.length == 0 ? Double.NaN : percentile(sortedMicros, 0.99) / 1e3;
  }

  private static String describe(long[] micros) {
    if (micros.length == 0) {
      return "no samples";
    }
    return String.format("n=%,d p50 %.1f ms, p99 %.1f ms, max %.1f ms", micros.length,
        percentile(micros, 0.50) / 1e3, percentile(micros, 0.99) / 1e3, micros[micros.length - 1] / 1e3);
  }

  /** Nearest rank, as the other workloads count it. */
  private static long percentile(long[] sorted, double fraction) {
    return Workload.percentile(sorted, fraction);
  }

  private static long[] concat(List<long[]> parts) {
    long[] all = new long[parts.stream().mapToInt(p -> p.length).sum()];
    int at = 0;
    for (long[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    Arrays.sort(all);
    return all;
  }

  private static CompletableFuture<String> submit(HttpClient client, URI graphs) {
    HttpRequest request = HttpRequest.newBuilder(graphs).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(GraphBodies.DIAMOND)).build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
      if (response.statusCode() != 202) {
        throw new BenchException("submit answered " + response.statusCode() + ": "
            + new String(response.body(), StandardCharsets.UTF_8));
      }
      return (String) Json.parseObject(response.body()).get("id");
    });
  }

  /** Submits one-node graphs until every firehose client has seen one complete, so none misses a bench event. */
  private static void awaitSubscribed(HttpClient client, URI graphs, List<Receiver> firehose) throws Exception {
    while (firehose.stream().anyMatch(f -> f.completions.get() == 0)) {
      HttpRequest probe = HttpRequest.newBuilder(URI.create(graphs + "?wait=0")).header("Content-Type",
          "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"nodes\":[{\"id\":\"p\",\"prompt\":\"p\"}]}"))
          .build();
      String id = (String) Json.parseObject(client.send(probe, HttpResponse.BodyHandlers.ofByteArray()).body())
          .get("id");
      client.send(HttpRequest.newBuilder(URI.create(graphs + "/" + id + "?wait=30")).build(),
          HttpResponse.BodyHandlers.discarding());
      Receiver.awaitCompletions(firehose, 1, Duration.ofSeconds(2));
    }
  }

  /**
   * One WebSocket client on a plain socket, read by its own virtual thread: counts frames, checks order, records
   * delays. The JDK's WebSocket client hands every frame between threads; with a thousand of them on the machine
   * that runs the server, the client became the bottleneck being measured. Server frames are unmasked and, from
   * dago, never fragmented, so reading them takes a few lines.
   */
  private static final class Receiver {
    static final AtomicLong lastArrival = new AtomicLong();
    private static final Object COMPLETIONS = new Object();

    final URI uri;
    final boolean follower;
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final AtomicInteger completions = new AtomicInteger();
    private final Socket socket;
    private long[] delays = new long[16];
    private int delayCount;
    private long openedMicros;
    private volatile boolean measuring;
    private long benchFrames;
    long frames;
    long replayed;
    long lastSeq;
    boolean inOrder = true;
    int closeCode;

    private Receiver(URI uri, boolean follower, Socket socket) {
      this.uri = uri;
      this.follower = follower;
      this.measuring = follower;
      this.socket = socket;
    }

    static Receiver open(URI uri, boolean follower) throws IOException {
      Socket socket = new Socket(uri.getHost(), uri.getPort());
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      out.write(("GET " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
          + Base64.getEncoder().encodeToString(new byte[16]) + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
      String status = readLine(in);
      if (!status.startsWith("HTTP/1.1 101")) {
        socket.close();
        throw new BenchException("WebSocket upgrade of " + uri + " answered " + status);
      }
      while (!readLine(in).isEmpty()) {
        // headers
      }
      Receiver receiver = new Receiver(uri, follower, socket);
      receiver.openedMicros = micros(Instant.now());
      Thread.ofVirtual().start(() -> receiver.read(in, out));
      return receiver;
    }

    private static String readLine(DataInputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      for (int c; (c = in.read()) != '\n'; ) {
        if (c < 0) {
          throw new EOFException("connection closed during the upgrade");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }

    private void read(DataInputStream in, OutputStream out) {
      try {
        while (true) {
          int opcode = in.readUnsignedByte() & 0x0F;
          long length = in.readUnsignedByte() & 0x7F;
          if (length == 126) {
            length = in.readUnsignedShort();
          } else if (length == 127) {
            length = in.readLong();
          }
          byte[] payload = new byte[(int) length];
          in.readFully(payload);
          switch (opcode) {
            case 1 -> {
              long arrived = micros(Instant.now());
              lastArrival.accumulateAndGet(System.nanoTime(), Math::max);
              record(new String(payload, StandardCharsets.UTF_8), arrived);
            }
            case 8 -> {
              closeCode = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
              closed.complete(closeCode);
              socket.close();
              return;
            }
            case 9 -> pong(out, payload);
            default -> {
              // pongs, and nothing else comes from dago
            }
          }
        }
      } catch (IOException e) {
        if (!closed.isDone()) {
          closeCode = -1;
          closed.complete(-1);
        }
      }
    }

    /** A client's frames are masked; a zero mask keeps the payload as it is. */
    private static synchronized void pong(OutputStream out, byte[] payload) throws IOException {
      out.write(0x8A);
      out.write(0x80 | payload.length);
      out.write(new byte[4]);
      out.write(payload);
      out.flush();
    }

    /** Firehose clients count from here on; what came before belonged to the probes. */
    void startMeasuring() {
      synchronized (this) {
        frames = 0;
        benchFrames = 0;
        delayCount = 0;
      }
      completions.set(0);
      measuring = true;
    }

    synchronized long benchFrames() {
      return benchFrames;
    }

    synchronized long[] delays() {
      return Arrays.copyOf(delays, delayCount);
    }

    static void awaitCompletions(List<Receiver> receivers, int count, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      synchronized (COMPLETIONS) {
        while (receivers.stream().anyMatch(r -> r.completions.get() < count)) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return;
          }
          TimeUnit.NANOSECONDS.timedWait(COMPLETIONS, left);
        }
      }
    }

    /** The three fields the bench needs, read straight from the frame rather than parsing whole events. */
    private static String field(String frame, String name) {
      String key = "\"" + name + "\":";
      int at = frame.indexOf(key);
      if (at < 0) {
        throw new BenchException("no '" + name + "' in event " + frame);
      }
      int from = at + key.length();
      if (frame.charAt(from) == '"') {
        return frame.substring(from + 1, frame.indexOf('"', from + 1));
      }
      int to = from;
      while (to < frame.length() && Character.isDigit(frame.charAt(to))) {
        to++;
      }
      return frame.substring(from, to);
    }

    private synchronized void record(String frame, long arrived) {
      frames++;
      String type = field(frame, "type");
      if ("GraphCompleted".equals(type) && !follower) {
        completions.incrementAndGet();
        synchronized (COMPLETIONS) {
          COMPLETIONS.notifyAll();
        }
      }
      if (!measuring) {
        return;
      }
      benchFrames++;
      long created = timeMicros(field(frame, "time"));
      if (follower) {
        long seq = Long.parseLong(field(frame, "seq"));
        inOrder &= seq == lastSeq + 1;
        lastSeq = seq;
      }
      // A follower's events from before it connected are history: delivered, but no measure of live delay.
      if (follower && created < openedMicros - 1000) {
        replayed++;
      } else {
        if (delayCount == delays.length) {
          delays = Arrays.copyOf(delays, delayCount * 2);
        }
        delays[delayCount++] = Math.max(0, arrived - created);
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // going anyway
      }
    }

    /** The last whole second parsed: events come in bursts within the same second. */
    private String cachedSecond = "";
    private long cachedSecondMicros;

    /**
     * An event's {@code time}, as {@link Instant#toString} writes it ({@code 2025-01-02T03:04:05.678Z}, no fraction
     * when it is zero), in microseconds. {@code Instant.parse} was the client's largest cost.
     */
    private long timeMicros(String time) {
      String second = time.substring(0, 19);
      if (!second.equals(cachedSecond)) {
        cachedSecond = second;
        cachedSecondMicros = micros(Instant.parse(second + "Z"));
      }
      long fraction = 0;
      int digits = 0;
      for (int i = 20; i < time.length() - 1; i++, digits++) {
        fraction = fraction * 10 + (time.charAt(i) - '0');
      }
      for (; digits < 6; digits++) {
        fraction *= 10;
      }
      for (; digits > 6; digits--) {
        fraction /= 10;
      }
      return cachedSecondMicros + fraction;
    }

    private static long micros(Instant instant) {
      return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }
  }
}
