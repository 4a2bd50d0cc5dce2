package io.dago.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import io.dago.Dago;
import io.dago.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
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
 * Thousands of random, mostly broken requests over real HTTP (see {@link HttpFuzzer}); every one must be answered
 * within the deadline as {@link Answers} requires: JSON, 2xx or 4xx with the README's error shape, never a 5xx.
 * No request may make dago log an unexpected error, every graph it accepted must finish, and afterwards it must be
 * healthy and run a normal graph.
 *
 * <p>The seed is random and printed; {@code -Dfuzz.seed=N} replays a run and {@code -Dfuzz.cases=N} sets its size.
 * A failing case is written in the corpus format to {@code java.io.tmpdir/dago-fuzz-SEED/}, ready to be copied into
 * {@code src/test/resources/fuzz-corpus/} as a regression test.
 */
class HttpFuzzTest {
  private static final Duration DEADLINE = Duration.ofSeconds(15);
  private static final int CONCURRENCY = 16;
  private static final String GRAPHS = "/api/v1/graphs/";
  private static final String CANCEL = "/cancel";

  @Test
  void randomMalformedRequests_areAnsweredWithJsonErrors_andLeaveTheServerHealthy() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime() ^ System.currentTimeMillis());
    int cases = Integer.getInteger("fuzz.cases", 4_000);
    System.out.println("HttpFuzzTest: seed " + seed + ", " + cases + " cases (replay with -Dfuzz.seed=" + seed + ")");
    List<String> accepted = new CopyOnWriteArrayList<>();
    Set<String> cancelled = ConcurrentHashMap.newKeySet();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicInteger closed = new AtomicInteger();
    long started = System.nanoTime();
    try (SevereLogs severe = new SevereLogs(); Dago dago = Healthy.startServer()) {
      Semaphore slots = new Semaphore(CONCURRENCY);
      try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < cases; i++) {
          int index = i;
          slots.acquire();
          executor.submit(() -> {
            try {
              HttpCase request = new HttpFuzzer(random(seed, index),
                  () -> accepted.isEmpty() ? null : accepted.get(Math.floorMod(index * 31, accepted.size()))).next();
              RawHttp.Outcome outcome = RawHttp.exchange(dago.httpPort(), request.bytes(), request.halfClose(),
                  request.head(), DEADLINE);
              String problem = Answers.problem(request, outcome);
              if (problem != null) {
                failures.add(report(seed, index, request, problem));
              }
              if (outcome instanceof RawHttp.Answer answer) {
                statuses.computeIfAbsent(answer.status(), s -> new AtomicInteger()).incrementAndGet();
                if (answer.status() == 202 && problem == null) {
                  accepted.add((String) Json.parseObject(answer.body()).get("id"));
                }
                // A cancel case can name a graph accepted earlier and still running: that one ends cancelled.
                if (answer.status() == 200 && "POST".equals(request.method())
                    && request.target() != null && request.target().startsWith(GRAPHS) && request.target().endsWith(CANCEL)) {
                  String target = request.target();
                  cancelled.add(target.substring(GRAPHS.length(), target.length() - CANCEL.length()));
                }
              } else {
                closed.incrementAndGet();
              }
            } catch (Exception | AssertionError e) {
              failures.add("case " + index + ": the client failed: " + e);
            } finally {
              slots.release();
            }
            return null;
          });
        }
      }
      System.out.printf("HttpFuzzTest: %d cases in %d ms; statuses %s; %d closed or unanswered; %d graphs accepted%n",
          cases, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), statuses, closed.get(), accepted.size());
      // Every check runs, so that one report says all that is wrong.
      List<String> problems = new ArrayList<>(failures.stream().limit(15).toList());
      if (failures.size() > 15) {
        problems.add("... and " + (failures.size() - 15) + " more wrongly answered requests");
      }
      problems.addAll(Healthy.problemsAfterFuzzing(dago,
          accepted.stream().filter(id -> !cancelled.contains(id)).toList(), severe));
      if (!problems.isEmpty()) {
        fail(failures.size() + " of " + cases + " fuzzed requests were answered wrongly (seed " + seed + "):\n"
            + String.join("\n\n", problems));
      }
    }
  }

  /** Case {@code index}'s own random state: the same for a seed whatever ran before it. */
  static SplittableRandom random(long seed, int index) {
    return new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
  }

  /** A failure's report, and the case written as a corpus file. */
  private static String report(long seed, int index, HttpCase request, String problem) {
    String where;
    try {
      Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "dago-fuzz-" + seed));
      Path file = dir.resolve("http-case-" + index + ".txt");
      Files.writeString(file, new HttpCase(request.description() + "\nfound by HttpFuzzTest, seed " + seed
          + ", case " + index + ": " + problem.lines().findFirst().orElse(""), request.method(), request.target(),
          request.headers(), request.body(), request.raw(), request.rawBytes(), request.addContentLength(),
          request.chunked(), request.halfClose(), request.expect(), request.status()).toCorpusText(),
          StandardCharsets.UTF_8);
      where = file.toString();
    } catch (IOException e) {
      where = "(not written: " + e.getMessage() + ")";
    }
    return "case " + index + " (" + request.description().lines().findFirst().orElse("") + "), "
        + request.summary() + ", expect " + request.expect() + ":\n " + problem + "\n saved as " + where;
  }
}
