package io.dago.bench;

import io.dago.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * java -cp BUILD/test-classes:BUILD/dago.jar io.dago.bench.WsBench HOST WS_PORT HTTP_PORT CLIENTS FIREHOSE
 * </pre>
 *
 * Run the server with a latency that lets followers connect before their graph is over, or every event they get is
 * history: {@code LLM_ECHO_LATENCY_MS=1000 WORKER_POOL_SIZE=2000} makes each diamond take three seconds. Delays are
 * of live events only: a follower's events created before it connected are replayed history, counted as delivered
 * but not in the delay figures. Both ends read the same wall clock; event times have millisecond resolution.
 *
 * <p>Exits 1 when a follower missed, repeated or reordered an event or was not closed with 1000, or a firehose
 * client missed an event.
 */
public final class WsBench {
  private static final int EVENTS_PER_DIAMOND = 11;
  private static final int SUBMITS_AT_ONCE = 64;
  /** The JDK's WebSocket client reads all of an HttpClient's sockets on one thread; spread the clients. */
  private static final int HTTP_CLIENTS = 8;

  private WsBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: WsBench HOST WS_PORT HTTP_PORT CLIENTS FIREHOSE_CLIENTS");
      System.exit(2);
    }
    String host = args[0];
    int wsPort = Integer.parseInt(args[1]);
    int httpPort = Integer.parseInt(args[2]);
    int clients = Integer.parseInt(args[3]);
    int firehoses = Integer.parseInt(args[4]);
    HttpClient[] http = new HttpClient[HTTP_CLIENTS];
    for (int i = 0; i < http.length; i++) {
      http[i] = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }
    URI ws = URI.create("ws://" + host + ":" + wsPort);
    URI graphs = URI.create("http://" + host + ":" + httpPort + "/api/v1/graphs");

    List<Receiver> firehose = new ArrayList<>();
    for (int i = 0; i < firehoses; i++) {
      firehose.add(Receiver.open(http[i % http.length], ws.resolve("/api/v1/events"), false));
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
      opening.add(submit(client, graphs).thenCompose(id -> Receiver.openAsync(client,
          ws.resolve("/api/v1/graphs/" + id + "/events"), true)).whenComplete((r, e) -> submitting.release()));
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

    report(followers, firehose, clients, (end - start) / 1e9);
  }

  private static void report(List<Receiver> followers, List<Receiver> firehose, int clients, double seconds) {
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

  /** One WebSocket client: counts frames, checks order, records delays. Called by the JDK one frame at a time. */
  private static final class Receiver implements WebSocket.Listener {
    static final AtomicLong lastArrival = new AtomicLong();
    private static final Object COMPLETIONS = new Object();

    final URI uri;
    final boolean follower;
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final AtomicInteger completions = new AtomicInteger();
    private final StringBuilder partial = new StringBuilder();
    private long[] delays = new long[16];
    private int delayCount;
    private volatile long openedMicros;
    private volatile boolean measuring;
    private long benchFrames;
    long frames;
    long replayed;
    long lastSeq;
    boolean inOrder = true;
    int closeCode;
    private WebSocket socket;

    private Receiver(URI uri, boolean follower) {
      this.uri = uri;
      this.follower = follower;
      this.measuring = follower;
    }

    static Receiver open(HttpClient client, URI uri, boolean follower) throws Exception {
      return openAsync(client, uri, follower).get(30, TimeUnit.SECONDS);
    }

    static CompletableFuture<Receiver> openAsync(HttpClient client, URI uri, boolean follower) {
      Receiver receiver = new Receiver(uri, follower);
      return client.newWebSocketBuilder().buildAsync(uri, receiver).thenApply(socket -> {
        receiver.socket = socket;
        return receiver;
      });
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

    /** Asks for everything at once: asking frame by frame costs the JDK client a hand-off per frame. */
    @Override
    public void onOpen(WebSocket webSocket) {
      openedMicros = micros(Instant.now());
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        long arrived = micros(Instant.now());
        lastArrival.accumulateAndGet(System.nanoTime(), Math::max);
        String frame = partial.toString();
        partial.setLength(0);
        record(frame, arrived);
      }
      return null;
    }

    /**
     * The three fields the bench needs, read straight from the frame: parsing whole events would make the client,
     * which shares the machine with the server, the bottleneck being measured.
     */
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
      long created = micros(Instant.parse(field(frame, "time")));
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

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeCode = statusCode;
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closeCode = -1;
      closed.complete(-1);
    }

    void close() {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null)
          .join();
      socket.abort();
    }

    private static long micros(Instant instant) {
      return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }
  }
}
