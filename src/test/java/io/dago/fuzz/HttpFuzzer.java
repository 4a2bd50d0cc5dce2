package io.dago.fuzz;

import io.dago.fuzz.HttpCase.Expect;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Random HTTP requests against dago's API: graph documents valid and mutated, JSON broken at the byte level, deep
 * nesting, oversized bodies, wrong content types and methods, odd paths and query strings, header junk and requests
 * that are not HTTP at all. Each case says which answers it may get ({@link HttpCase.Expect}).
 *
 * <p>Case {@code i} of a seed is always the same request, except that paths naming an existing graph pick one of
 * the graphs accepted so far, which depends on timing.
 */
final class HttpFuzzer {
  /** What the fuzz tests set {@code DAGO_MAX_BODY_BYTES} to. */
  static final int MAX_BODY_BYTES = 64 * 1024;
  /** {@code DAGO_MAX_HEADER_BYTES}'s default; past twice this the JDK closes the connection unanswered. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  private static final List<String> JSON_TYPES = List.of("application/json", "application/json; charset=utf-8",
      "APPLICATION/JSON", "application/json;charset=\"UTF-8\"", "application/json; foo=bar");
  private static final List<String> WRONG_TYPES = List.of("text/plain", "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonx", "",
      "application/json, text/plain", "*/*", "application/\u00e9", "json", "application/json; charset=utf-16",
      "text/json", ";", "application/json;;;", "application/xml");
  private static final List<String> METHODS = List.of("PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get",
      "post", "FOO", "PROPFIND", "M-SEARCH", "X".repeat(300), "GET", "POST");
  private static final List<String> ROUTES = List.of("/api/v1/graphs", "/api/v1/graphs/validate",
      "/api/v1/graphs/ID", "/api/v1/graphs/ID/cancel", "/api/v1/graphs/ID/events", "/health", "/metrics", "/",
      "/api", "/api/v1", "/api/v1/events");
  private static final List<String> ODD_PATHS = List.of(
      "/api/v1/graphs/../../etc/passwd", "/api/v1/graphs/%2e%2e/%2e%2e/etc/passwd", "/api/v1/graphs/..%2f..%2fetc",
      "//api/v1/graphs", "/api/v1/graphs/", "/api/v1//graphs", "/api/v1/graphs/%", "/api/v1/graphs/%zz",
      "/api/v1/graphs/%00", "/api/v1/graphs/%C0%AF", "/api/v1/graphs/%ED%A0%80", "/api/v1/graphs/%FF%FE",
      "/API/V1/GRAPHS", "/api/v1/graphs;jsessionid=1", "/api/v1/graphs#fragment", "/api/v1/graphs/%2F",
      "/api/v1/graphs/a%2Fb/events", "/api/v1/graphs/%20", "/api/v1/graphs/+", "/api/v1/graphs/\u00e9\u00e8",
      "/api/v1/graphs/\u202e", "/api/v1/graphs/validate/", "/api/v1/graphs/validate/cancel", "/health/",
      "/health/../metrics", "/metrics/x", "/api/v1/graphs/x/events/extra", "/api/v1/graphs/x/cancel/",
      "/%2e%2e/%2e%2e/", "/api/v1/graphs/" + "a".repeat(64), "/api/v1/graphs/" + "a".repeat(65),
      "/api/v1/graphs/" + "a".repeat(10_000), "/api/v1/graphs/" + "%41".repeat(3_000), "/" + "a/".repeat(3_000),
      "/api/v1/graphs?", "/api/v1/graphs??", "/api/v1/graphs?#", "/api/v1/graphs/%u0041", "/api/v1/graphs/~",
      "/api/v1/graphs/.", "/api/v1/graphs/..", "/api/v1/graphs/validate%00", "/*");
  private static final List<String> QUERIES = List.of(
      "wait=-1", "wait=99999999999", "wait=1e3", "wait=%20", "wait=0x10", "wait=", "wait=61", "wait=60&wait=-1",
      "wait=\u00e9", "wait=+1", "wait=%2B1", "wait=1.5", "wait=NaN",
      "limit=abc", "limit=0", "limit=1001", "limit=-1", "limit=99999999999999999999", "limit=1&limit=x",
      "status=bogus", "status=COMPLETED", "status=%00", "status=completed", "status=", "status=running,failed",
      "cursor=junk", "cursor=%FF", "cursor=" + "z".repeat(5_000), "cursor=%00", "cursor=(", "cursor=[", "cursor=-",
      "cursor=+", "after=-1", "after=18446744073709551616", "after=abc", "after=0", "after=9223372036854775807",
      "&&&==&", "%", "a=%zz", "=", "==", "x=1&".repeat(2_000), "\u00e9=\u00e8", "%00=%00", "a[]=1&a[b]=2",
      "token=abc", "wait=0&limit=1&status=failed&cursor=x&after=3");

  private final SplittableRandom random;
  private final GraphFuzzer graphs;
  private final Supplier<String> knownId;

  /** @param knownId an id of a graph dago accepted, or null when there is none yet */
  HttpFuzzer(SplittableRandom random, Supplier<String> knownId) {
    this.random = random;
    this.graphs = new GraphFuzzer(random);
    this.knownId = knownId;
  }

  HttpCase next() {
    int kind = random.nextInt(100);
    if (kind < 35) {
      return graphDocument();
    } else if (kind < 50) {
      return brokenBytes();
    } else if (kind < 55) {
      return deepNesting();
    } else if (kind < 60) {
      return oversized();
    } else if (kind < 65) {
      return contentType();
    } else if (kind < 72) {
      return method();
    } else if (kind < 85) {
      return path();
    } else if (kind < 95) {
      return headerJunk();
    }
    return protocolJunk();
  }

  private HttpCase graphDocument() {
    boolean validate = random.nextInt(10) < 3;
    String target = validate ? "/api/v1/graphs/validate" : "/api/v1/graphs";
    Map<String, Object> valid = graphs.validGraph();
    boolean mutated = random.nextInt(4) != 0;
    Object tree = valid;
    String description = "a valid graph document";
    if (mutated) {
      GraphFuzzer.Mutated m = graphs.mutate(valid);
      tree = m.tree();
      description = "a graph document, mutated: " + String.join("; ", m.steps());
    }
    List<String[]> headers = new ArrayList<>();
    headers.add(header("Content-Type", pick(JSON_TYPES)));
    boolean keyed = !validate && random.nextInt(5) == 0;
    if (keyed) {
      headers.add(header("Idempotency-Key", random.nextBoolean() ? "key-" + random.nextInt(5)
          : pick(List.of("", "k".repeat(255), "k".repeat(256), "\u00e9\u202e", "k\u0000", " "))));
    }
    if (random.nextInt(5) == 0) {
      headers.add(header("traceparent", pick(List.of(
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-xyz", "ff-" + "0".repeat(32) + "-"
              + "0".repeat(16) + "-00", "t".repeat(2_000), "00-00000000000000000000000000000000-0000000000000000-01",
          "\u00e9"))));
    }
    byte[] body = FuzzJson.write(tree, random.nextBoolean()).getBytes(StandardCharsets.UTF_8);
    HttpCase request = HttpCase.request(description, "POST", target, headers, body);
    if (!mutated && !keyed && body.length <= MAX_BODY_BYTES) {
      request = request.withStatus(validate ? 200 : 202);
    }
    return request;
  }

  private HttpCase brokenBytes() {
    Object tree = random.nextBoolean() ? graphs.validGraph() : graphs.mutate(graphs.validGraph()).tree();
    byte[] json = FuzzJson.write(tree, random.nextBoolean()).getBytes(StandardCharsets.UTF_8);
    byte[] body;
    String description;
    boolean notUtf8 = false;
    switch (random.nextInt(12)) {
      case 0, 1 -> {
        int at = random.nextInt(json.length + 1);
        body = java.util.Arrays.copyOf(json, at);
        description = "a graph document truncated at byte " + at + " of " + json.length;
      }
      case 2 -> {
        body = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, json);
        description = "a UTF-8 byte order mark, then a graph document";
      }
      case 3 -> {
        byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
        byte[] bad = invalid[random.nextInt(invalid.length)];
        int at = random.nextInt(json.length + 1);
        body = concat(concat(java.util.Arrays.copyOf(json, at), bad), java.util.Arrays.copyOfRange(json, at,
            json.length));
        description = "invalid UTF-8 " + java.util.HexFormat.of().formatHex(bad) + " inserted at byte " + at;
        notUtf8 = true;
      }
      case 4 -> {
        body = concat(json, pick(List.of("{}", "garbage", "\u0000", " ]", ",", "\n{\"a\":1}", "//comment", "\u00a0"))
            .getBytes(StandardCharsets.UTF_8));
        description = "a graph document with trailing content";
      }
      case 5 -> {
        String text = new String(json, StandardCharsets.UTF_8);
        body = random.nextBoolean() ? text.getBytes(StandardCharsets.UTF_16)
            : text.getBytes(random.nextBoolean() ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_16BE);
        description = "a graph document in UTF-16";
      }
      case 6 -> {
        body = json.clone();
        int flips = random.nextInt(1, 8);
        for (int i = 0; i < flips && body.length > 0; i++) {
          body[random.nextInt(body.length)] = (byte) random.nextInt(256);
        }
        description = flips + " random bytes of a graph document changed";
      }
      case 7 -> {
        body = new byte[random.nextInt(0, 2_000)];
        random.nextBytes(body);
        description = body.length + " random bytes";
      }
      case 8 -> {
        body = pick(List.of("", " ", "\n\t ", "null", "[]", "\"graph\"", "1", "true", "{", "}", "{}", "[{}]",
            "{\"nodes\":", "\u0000", "{\"nodes\":[]}\u0000", "{\"\u0000\":1}")).getBytes(StandardCharsets.UTF_8);
        description = "a tiny body: " + new String(body, StandardCharsets.UTF_8);
      }
      case 9 -> {
        String text = new String(json, StandardCharsets.UTF_8);
        body = text.replace(":", " : ").replace(",", " ,\n ").replace("{", "{ /* c */ ").getBytes(
            StandardCharsets.UTF_8);
        description = "a graph document with comments";
      }
      case 10 -> {
        body = new String(json, StandardCharsets.UTF_8).replace('"', '\'').getBytes(StandardCharsets.UTF_8);
        description = "a graph document in single quotes";
      }
      default -> {
        body = concat(new byte[] {(byte) 0xFE, (byte) 0xFF}, json);
        description = "a UTF-16 byte order mark before a UTF-8 document";
      }
    }
    HttpCase request = HttpCase.request(description, "POST", random.nextInt(4) == 0 ? "/api/v1/graphs/validate"
        : "/api/v1/graphs", jsonType(), body);
    // A body that is not UTF-8 is not JSON, wherever the bad bytes are; one over the size limit is refused as such
    // (413) before anyone reads it.
    return notUtf8 && body.length <= MAX_BODY_BYTES ? request.withStatus(400) : request;
  }

  private HttpCase deepNesting() {
    int depth = pick(List.of(199, 200, 201, 202, 1_000, 10_000, 30_000));
    String body;
    String description;
    switch (random.nextInt(5)) {
      case 0 -> {
        body = "[".repeat(depth) + "]".repeat(depth);
        description = depth + " nested arrays";
      }
      case 1 -> {
        body = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        description = depth + " nested objects";
      }
      case 2 -> {
        body = "[".repeat(depth);
        description = depth + " unclosed arrays";
      }
      case 3 -> {
        int inner = Math.max(1, depth - 2);
        body = "{\"nodes\":[{\"id\":\"a\",\"prompt\":\"p\"}],\"input\":" + "[".repeat(inner) + "]".repeat(inner) + "}";
        description = "input nested " + inner + " arrays deep (" + (inner + 1) + " levels in all)";
      }
      default -> {
        StringBuilder mixed = new StringBuilder();
        for (int i = 0; i < depth; i++) {
          mixed.append(i % 2 == 0 ? "[" : "{\"k\":");
        }
        for (int i = depth - 1; i >= 0; i--) {
          mixed.append(i % 2 == 0 ? "]" : "}");
        }
        body = "{\"nodes\":[{\"id\":\"a\",\"prompt\":\"{{input.k}}\"}],\"input\":{\"k\":" + mixed + "}}";
        description = "input nested " + depth + " arrays and objects deep";
      }
    }
    return HttpCase.request(description, "POST", random.nextBoolean() ? "/api/v1/graphs" : "/api/v1/graphs/validate",
        jsonType(), body.getBytes(StandardCharsets.UTF_8));
  }

  private HttpCase oversized() {
    int size = pick(List.of(MAX_BODY_BYTES + 1, MAX_BODY_BYTES + 100, 2 * MAX_BODY_BYTES, 2 * MAX_BODY_BYTES + 1,
        5 * MAX_BODY_BYTES));
    String prompt = "x".repeat(size);
    byte[] body = ("{\"nodes\":[{\"id\":\"a\",\"prompt\":\"" + prompt + "\"}]}").getBytes(StandardCharsets.UTF_8);
    List<String[]> headers = jsonType();
    return switch (random.nextInt(5)) {
      case 0 -> HttpCase.request("a body of " + body.length + " bytes, over the limit", "POST", "/api/v1/graphs",
          headers, body).withStatus(413);
      case 1 -> HttpCase.request("a chunked body of " + body.length + " bytes, over the limit", "POST",
          "/api/v1/graphs", headers, body).inChunks().withStatus(413);
      case 2 -> HttpCase.request("a body declared at 10^12 bytes and never sent", "POST", "/api/v1/graphs",
          List.of(header("Content-Type", "application/json"), header("Content-Length", "1000000000000")),
          new byte[0]).withoutContentLength().withStatus(413);
      case 3 -> HttpCase.request("a Content-Length beyond a long", "POST", "/api/v1/graphs",
          List.of(header("Content-Type", "application/json"), header("Content-Length", "99999999999999999999")),
          new byte[0]).withoutContentLength().expecting(Expect.PROTOCOL);
      default -> HttpCase.request("a body of exactly the limit", "POST", "/api/v1/graphs/validate", headers,
          java.util.Arrays.copyOf(("{\"nodes\":[{\"id\":\"a\",\"prompt\":\"" + "y".repeat(MAX_BODY_BYTES - 40)
              + "\"}]}").getBytes(StandardCharsets.UTF_8), MAX_BODY_BYTES));
    };
  }

  private HttpCase contentType() {
    byte[] body = FuzzJson.write(graphs.validGraph(), false).getBytes(StandardCharsets.UTF_8);
    List<String[]> headers = new ArrayList<>();
    int variant = random.nextInt(4);
    if (variant == 0) {
      headers.add(header("Content-Type", "application/json"));
      headers.add(header("Content-Type", pick(WRONG_TYPES)));
    } else if (variant == 1) {
      // none at all
    } else {
      headers.add(header("Content-Type", pick(WRONG_TYPES)));
    }
    return HttpCase.request("a valid graph with content type " + describeHeaders(headers), "POST",
        random.nextBoolean() ? "/api/v1/graphs" : "/api/v1/graphs/validate", headers, body);
  }

  private HttpCase method() {
    String method = pick(METHODS);
    String route = pick(ROUTES).replace("ID", id());
    byte[] body = random.nextBoolean() ? new byte[0]
        : FuzzJson.write(graphs.validGraph(), false).getBytes(StandardCharsets.UTF_8);
    return HttpCase.request("method " + (method.length() > 20 ? method.length() + " chars" : method) + " on " + route,
        method, route, jsonType(), body).expecting(targetExpect(route));
  }

  private HttpCase path() {
    String target;
    int variant = random.nextInt(6);
    if (variant == 0) {
      target = pick(ODD_PATHS);
    } else if (variant <= 3) {
      String route = pick(List.of("/api/v1/graphs", "/api/v1/graphs/ID", "/api/v1/graphs/ID/events", "/health",
          "/api/v1/graphs/nosuchgraph", "/api/v1/graphs/nosuchgraph/events"));
      String query = pick(QUERIES);
      if (route.contains("ID") && query.startsWith("wait=") && !query.equals("wait=")) {
        // A long poll on a live graph must stay within the per-request deadline; on any other id it ends at once.
        query = random.nextBoolean() ? "wait=1" : "wait=" + pick(List.of("-1", "61", "abc", "99999999999", "2"));
      }
      target = route.replace("ID", id()) + "?" + query;
    } else if (variant == 4) {
      int length = pick(List.of(1_000, MAX_HEADER_BYTES - 200, MAX_HEADER_BYTES + 100, 2 * MAX_HEADER_BYTES + 100));
      target = "/api/v1/graphs/" + "p".repeat(length);
      HttpCase request = HttpCase.request("a path of " + length + " characters", "GET", target, List.of(),
          new byte[0]);
      // Up to the limit dago answers (404); past it 431; past twice the limit the JDK closes the connection.
      return length > 2 * MAX_HEADER_BYTES - 500 ? request.expecting(Expect.CLOSE_OK) : request;
    } else {
      target = pick(List.of("/api/v1/graphs/ID", "/api/v1/graphs/ID/events", "/api/v1/graphs/ID/cancel"))
          .replace("ID", id());
      String method = target.endsWith("/cancel") ? "POST" : "GET";
      return HttpCase.request(method + " on a graph", method, target, List.of(), new byte[0]);
    }
    return HttpCase.request("an odd path or query", "GET", target, List.of(), new byte[0])
        .expecting(targetExpect(target));
  }

  /**
   * A target that is not a URI (a raw space, a bad percent escape) or not a path is not HTTP: the JDK refuses it
   * before dago sees it, or takes it apart in its own way.
   */
  static Expect targetExpect(String target) {
    if (!target.startsWith("/") || target.chars().anyMatch(c -> c > 0x7e || c <= 0x20)) {
      return Expect.PROTOCOL;
    }
    try {
      new java.net.URI(target);
      return Expect.DAGO;
    } catch (java.net.URISyntaxException e) {
      return Expect.PROTOCOL;
    }
  }

  private HttpCase headerJunk() {
    byte[] body = FuzzJson.write(graphs.validGraph(), false).getBytes(StandardCharsets.UTF_8);
    List<String[]> headers = new ArrayList<>();
    headers.add(header("Content-Type", "application/json"));
    Expect expect = Expect.DAGO;
    String description;
    HttpCase request;
    switch (random.nextInt(16)) {
      case 0 -> {
        headers.add(header("Content-Length", pick(List.of("abc", "-1", "1e3", " ", "0x10", "+5"))));
        request = HttpCase.request("a Content-Length that is not a length", "POST", "/api/v1/graphs", headers, body)
            .withoutContentLength();
        expect = Expect.PROTOCOL;
        description = null;
      }
      case 1 -> {
        headers.add(header("Content-Length", String.valueOf(body.length)));
        headers.add(header("Content-Length", String.valueOf(body.length + 1)));
        request = HttpCase.request("two Content-Lengths", "POST", "/api/v1/graphs", headers, body)
            .withoutContentLength();
        expect = Expect.PROTOCOL;
        description = null;
      }
      case 2 -> {
        headers.add(header("Transfer-Encoding", pick(List.of("gzip", "chunked, gzip", "identity", "CHUNKED ",
            "x"))));
        request = HttpCase.request("an unsupported Transfer-Encoding", "POST", "/api/v1/graphs", headers, body)
            .withoutContentLength();
        expect = Expect.PROTOCOL;
        description = null;
      }
      case 3 -> {
        headers.add(header("Transfer-Encoding", "chunked"));
        request = HttpCase.request("Content-Length and Transfer-Encoding", "POST", "/api/v1/graphs", headers, body);
        expect = Expect.PROTOCOL;
        description = null;
      }
      case 4 -> {
        headers.add(header("Content-Length", String.valueOf(body.length + random.nextInt(1, 500))));
        request = HttpCase.request("a Content-Length larger than the body, then the sending side shut", "POST",
            "/api/v1/graphs", headers, body).withoutContentLength().halfClosing();
        expect = Expect.CLOSE_OK;
        description = null;
      }
      case 5 -> {
        headers.add(header("Content-Length", String.valueOf(random.nextInt(0, body.length + 1))));
        request = HttpCase.request("a Content-Length shorter than the body", "POST", "/api/v1/graphs", headers, body)
            .withoutContentLength();
        description = null;
      }
      case 6 -> {
        int length = pick(List.of(8_000, MAX_HEADER_BYTES + 10, 2 * MAX_HEADER_BYTES + 10, 100_000));
        headers.add(header("X-Junk", "j".repeat(length)));
        description = "a header value of " + length + " characters";
        if (length > 2 * MAX_HEADER_BYTES - 500) {
          expect = Expect.CLOSE_OK;
        }
        request = null;
      }
      case 7 -> {
        int count = pick(List.of(100, 500, 3_000));
        for (int i = 0; i < count; i++) {
          headers.add(header("X-H" + i, "v"));
        }
        description = count + " headers";
        // The JDK closes the connection, unanswered, of a request with more than 200 headers
        // (sun.net.httpserver.maxReqHeaders), or whose header lines, counted at 32 bytes more each, pass twice the limit.
        if (count + 3 > 200 || count * 44 > 2 * MAX_HEADER_BYTES - 500) {
          expect = Expect.CLOSE_OK;
        }
        request = null;
      }
      case 8 -> {
        headers.add(header(pick(List.of("X Y", "X\u00e9", "(", "X:Y", "\u0000", "X\tY", "[]")), "v"));
        description = "an illegal header name";
        expect = Expect.PROTOCOL;
        request = null;
      }
      case 9 -> {
        headers.add(header("X-Value", pick(List.of("\u0000", "a\u0001b", "\u00ff\u00fe", "\u202e", "\u00e9\ud83d\ude00",
            " leading", "trailing "))));
        description = "control or non-ASCII characters in a header value";
        expect = Expect.PROTOCOL;
        request = null;
      }
      case 10 -> {
        headers.add(header("Idempotency-Key", pick(List.of("", "k".repeat(256), "k".repeat(10_000), "\u0000",
            "\u00e9".repeat(300)))));
        description = "an Idempotency-Key out of bounds";
        request = null;
      }
      case 11 -> {
        headers.add(header("Expect", pick(List.of("100-continue", "200-ok", ""))));
        description = "an Expect header";
        request = null;
      }
      case 12 -> {
        headers.add(header("Authorization", pick(List.of("Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer "
            + "t".repeat(5_000), "bearer x y z", "\u00e9"))));
        description = "an Authorization header on an open API";
        request = null;
      }
      case 13 -> {
        headers.add(header("Host", pick(List.of("", "evil.example", "[::1", "127.0.0.1:99999", "h".repeat(3_000)))));
        description = "an odd Host";
        request = null;
      }
      case 14 -> {
        headers.add(header("Connection", pick(List.of("keep-alive", "Upgrade", "close, TE", "\u00e9"))));
        headers.add(header("Upgrade", pick(List.of("websocket", "h2c", "TLS/1.2"))));
        description = "an upgrade request to the HTTP API";
        request = null;
      }
      default -> {
        headers.add(header("Content-Encoding", pick(List.of("gzip", "br", "deflate", "identity"))));
        description = "a Content-Encoding";
        request = null;
      }
    }
    if (request == null) {
      request = HttpCase.request(description, "POST", "/api/v1/graphs", headers, body);
    }
    return request.expecting(expect);
  }

  private HttpCase protocolJunk() {
    String text = pick(List.of(
        "GET\r\n\r\n",
        "GET /health\r\n\r\n",
        "GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /health HTTP/1.0\r\n\r\n",
        "\r\n\r\n",
        "GET /health HTTP/1.1\nHost: x\n\n",
        "GET  /health  HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /hea\u0000lth HTTP/1.1\r\nHost: x\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\n X-Folded: yes\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\n",
        "POST /api/v1/graphs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "POST /api/v1/graphs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{}\r\n",
        "GET http://evil.example/health HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET mailto:x HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET %zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003",
        "GET /" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "G".repeat(70_000)));
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    if (random.nextInt(6) == 0) {
      bytes = new byte[random.nextInt(1, 3_000)];
      random.nextBytes(bytes);
    }
    return HttpCase.rawRequest("not HTTP/1.1: " + HttpCase.rawRequest("", bytes, Expect.PROTOCOL).summary(),
        bytes, Expect.PROTOCOL).halfClosing();
  }

  private String id() {
    String id = knownId.get();
    return id == null || random.nextInt(5) == 0 ? pick(List.of("nosuchgraph", "01J0000000000000000000000",
        "-", "_", "a".repeat(64))) : id;
  }

  private static String describeHeaders(List<String[]> headers) {
    List<String> shown = new ArrayList<>();
    headers.forEach(h -> shown.add(h[0] + ": " + h[1]));
    return shown.isEmpty() ? "(none)" : String.join(", ", shown);
  }

  private static List<String[]> jsonType() {
    List<String[]> headers = new ArrayList<>();
    headers.add(header("Content-Type", "application/json"));
    return headers;
  }

  private static String[] header(String name, String value) {
    return new String[] {name, value};
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }

  private <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }
}
