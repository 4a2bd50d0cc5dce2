package io.dago.fuzz;

import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * One WebSocket upgrade request target, and the properties of its outcome: a handshake is accepted and the connection
 * then either stays open (only the firehose, {@code /api/v1/events}, may), or is closed with 1000 (a followed graph
 * finished), 4400 (a malformed path or query) or 4404 (no such graph); never 1011 (a server fault), never a 5xx, and
 * every frame is a JSON object.
 *
 * @param mustFinish the target follows a graph that exists with a valid query, so it must end with 1000 after the
 *     graph's terminal event
 */
record WsCase(String description, String target, boolean mustFinish) {
  static final Set<Integer> CLOSE_CODES = Set.of(1000, 4400, 4404);

  private static final List<String> QUERIES = List.of("", "?", "?after=0", "?after=3", "?after=-1", "?after=abc",
      "?after=99999999999999999999", "?after=", "?after=1&after=x", "?after=%2D1", "?after=+1", "?type=Bogus",
      "?type=GraphCompleted,,", "?type=GraphCompleted,GraphFailed,NodeDelta", "?type=graphcompleted", "?type=",
      "?graph=,,,", "?graph=%zz", "?x=1", "?%zz", "?token=abc", "?&", "?=", "?==&&", "?after=1#frag", "??after=1",
      "?type=" + "GraphCompleted,".repeat(500), "?graph=" + "a,".repeat(2_000), "?after=\u00e9",
      "?type=\u0000", "?after=0&type=GraphCompleted", "?graph=x&type=NodeCompleted");
  private static final List<String> ODD_PATHS = List.of("/", "", "*", "/api/v1/graphs//events",
      "/api/v1/graphs/a/b/events", "/api/v1/graphs/%2F/events", "/api/v1/graphs/%zz/events",
      "/api/v1/graphs/\u00e9\u202e/events", "/api/v1/graphs/" + "x".repeat(5_000) + "/events", "/api/v1/events/",
      "/API/V1/EVENTS", "/api/v1/graphs/ID/events/", "/api/v1/graphs/ID", "/api/v1/graphs", "/health",
      "/api/v1/graphs/../events", "/api/v1/graphs/%00/events", "/api/v1/graphs/ /events", "/api/v1/events%00",
      "/api/v1/graphs/.%2e/events", "//api/v1/events", "/api/v1/graphs/ID/events%3Fafter=1",
      "/api/v1/graphs/%F0%9F%98%80/events", "/api/v1/graphs/%ED%A0%80/events", "/api/v1/graphs/" + "%41".repeat(2_000)
          + "/events");

  static WsCase next(SplittableRandom random, Supplier<String> knownId) {
    String id = knownId.get();
    int kind = random.nextInt(10);
    if (kind < 4) {
      boolean known = id != null && random.nextInt(4) != 0;
      String graph = known ? id : pick(random, List.of("nosuchgraph", "01J0000000000000000000000", "-", "x.y",
          "\u00e9", "%41"));
      String query = pick(random, QUERIES);
      boolean validQuery = Set.of("", "?", "?after=0", "?after=3", "?after=", "?token=abc", "?&").contains(query);
      return new WsCase("follow " + (known ? "a graph" : "'" + graph + "'") + " with " + shorten(query),
          "/api/v1/graphs/" + graph + "/events" + query, known && validQuery);
    } else if (kind < 7) {
      return new WsCase("firehose with " + shorten(pick(random, QUERIES)), "/api/v1/events" + pick(random, QUERIES),
          false);
    }
    String path = pick(random, ODD_PATHS).replace("ID", id == null ? "nosuchgraph" : id);
    String query = random.nextBoolean() ? "" : pick(random, QUERIES);
    return new WsCase("odd path " + shorten(path) + shorten(query), path + query, false);
  }

  boolean firehose() {
    int mark = target.indexOf('?');
    return (mark < 0 ? target : target.substring(0, mark)).equals("/api/v1/events");
  }

  /** A target with a space, a control character or non-ASCII is not HTTP: the handshake may be refused. */
  boolean odd() {
    return target.isEmpty() || !target.startsWith("/") || target.chars().anyMatch(c -> c <= 0x20 || c > 0x7e);
  }

  /** @return null when the outcome is acceptable, else what is wrong */
  String problem(RawWebSocket.Outcome outcome) {
    return switch (outcome) {
      case RawWebSocket.Refused refused -> {
        if (refused.status() >= 500) {
          yield "a server error refusing the handshake: " + refused.why();
        }
        yield odd() ? null : "handshake refused for a well-formed target: " + refused;
      }
      case RawWebSocket.Open open -> firehose() ? frames(open.frames())
          : "still open after the listening time, " + open.frames().size() + " frames";
      case RawWebSocket.Ended ended -> {
        if (!CLOSE_CODES.contains(ended.code())) {
          yield "closed with " + ended.code() + " '" + ended.reason() + "'";
        }
        if (mustFinish && (ended.code() != 1000 || ended.frames().isEmpty())) {
          yield "following an existing graph ended with " + ended.code() + " '" + ended.reason() + "' after "
              + ended.frames().size() + " frames";
        }
        yield frames(ended.frames());
      }
    };
  }

  private static String frames(List<String> frames) {
    for (String frame : frames) {
      try {
        if (!(Json.parse(frame.getBytes(StandardCharsets.UTF_8)) instanceof Map<?, ?>)) {
          return "a frame that is not a JSON object: " + frame;
        }
      } catch (InvalidJsonException e) {
        return "a frame that is not JSON: " + frame;
      }
    }
    return null;
  }

  private static String shorten(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }

  private static <T> T pick(SplittableRandom random, List<T> options) {
    return options.get(random.nextInt(options.size()));
  }
}
