package io.dago.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dago.Dago;
import io.dago.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Random WebSocket upgrade targets (see {@link WsCase}): paths and queries that are malformed, name no graph, or
 * follow real ones. Every connection must end as {@link WsCase#problem} allows (4400, 4404 or 1000; the firehose may
 * stay open), dago must log no unexpected error, and afterwards a WebSocket must still follow a new graph to its end.
 * Seeded like {@link HttpFuzzTest} ({@code -Dfuzz.seed}, {@code -Dfuzz.ws.cases}).
 */
class WebSocketFuzzTest {
  private static final Duration LISTEN = Duration.ofSeconds(1);
  private static final int CONCURRENCY = 32;

  @Test
  void randomPathsAndQueries_closeWithClientCodes_andLeaveTheServerServing() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime() ^ System.currentTimeMillis());
    int cases = Integer.getInteger("fuzz.ws.cases", 1_500);
    System.out.println("WebSocketFuzzTest: seed " + seed + ", " + cases + " connections (replay with -Dfuzz.seed="
        + seed + ")");
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    try (SevereLogs severe = new SevereLogs(); Dago dago = Healthy.startServer()) {
      List<String> graphs = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        graphs.add(submit(dago));
      }
      Semaphore slots = new Semaphore(CONCURRENCY);
      try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < cases; i++) {
          int index = i;
          slots.acquire();
          executor.submit(() -> {
            WsCase request = WsCase.next(HttpFuzzTest.random(seed, index),
                () -> graphs.get(Math.floorMod(index * 7, graphs.size())));
            try {
              RawWebSocket.Outcome outcome = RawWebSocket.connect(dago.wsPort(), request.target(), LISTEN);
              String key = switch (outcome) {
                case RawWebSocket.Refused r -> "refused " + r.status();
                case RawWebSocket.Ended e -> "closed " + e.code();
                case RawWebSocket.Open o -> "open";
              };
              outcomes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
              String problem = request.problem(outcome);
              if (problem != null) {
                failures.add("connection " + index + " (" + request.description() + "): " + problem);
              }
            } catch (Exception | AssertionError e) {
              failures.add("connection " + index + " (" + request.description() + "): the client failed: " + e);
            } finally {
              slots.release();
            }
            return null;
          });
        }
      }
      System.out.println("WebSocketFuzzTest: outcomes " + outcomes);
      List<String> problems = new ArrayList<>(failures.stream().limit(15).toList());
      String id = submit(dago);
      RawWebSocket.Outcome follow = RawWebSocket.connect(dago.wsPort(), "/api/v1/graphs/" + id + "/events",
          Duration.ofSeconds(30));
      if (!(follow instanceof RawWebSocket.Ended ended) || ended.code() != 1000) {
        problems.add("following a new graph after fuzzing: " + follow);
      } else {
        Map<String, Object> last = Json.parseObject(ended.frames().getLast().getBytes(StandardCharsets.UTF_8));
        assertEquals("GraphCompleted", last.get("type"), "the last frame of a followed graph");
      }
      problems.addAll(Healthy.problemsAfterFuzzing(dago, List.of(), severe));
      if (!problems.isEmpty()) {
        fail(failures.size() + " of " + cases + " fuzzed WebSocket connections ended wrongly (seed " + seed + "):\n"
            + String.join("\n\n", problems));
      }
      assertTrue(outcomes.keySet().stream().anyMatch(k -> k.equals("closed 4400")), "some targets were malformed");
    }
  }

  private static String submit(Dago dago) throws Exception {
    byte[] body = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}, {\"id\": \"b\", \"depends_on\": [\"a\"], \"prompt\": \"{{nodes.a.output}}\"}]}"
        .getBytes(StandardCharsets.UTF_8);
    HttpCase submit = HttpCase.request("submit", "POST", "/api/v1/graphs", List.<String[]>of(
        new String[] {"Content-Type", "application/json"}), body);
    RawHttp.Outcome outcome = RawHttp.exchange(dago.httpPort(), submit.bytes(), false, false, Duration.ofSeconds(10));
    if (!(outcome instanceof RawHttp.Answer answer) || answer.status() != 202) {
      throw new AssertionError("submit: " + outcome);
    }
    return (String) Json.parseObject(answer.body()).get("id");
  }
}
