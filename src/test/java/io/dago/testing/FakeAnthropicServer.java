package io.dago.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server on loopback that speaks enough of the Anthropic Messages API for tests.
 *
 * <pre>{@code
 * try (var fake = FakeAnthropicServer.start()) {
 *   fake.enqueue(Reply.error(429, "rate_limit_error", "slow down").withHeader("retry-after", "1"));
 *   var provider = new AnthropicProvider(http, fake.baseUrl(), "test-key");
 *   ...
 *   assertEquals("test-key", fake.requests().get(0).header("x-api-key"));
 * }
 * }</pre>
 *
 * <p>Replies: scripted ones from {@link #enqueue} are used first, in order; after that the default responder
 * answers {@code "claude: " + the last user message}. {@link #respondWith} replaces the default.
 *
 * <p>Aborts. JDK's {@code HttpServer} gives a handler no way to watch its connection, so a client that goes
 * away is only noticed on a write. A waiting reply ({@link Reply#hang()}, {@link Reply#delayed}) therefore
 * sends its status and headers at once, then writes a space every {@value #PROBE_MILLIS} ms while it waits;
 * whitespace before a JSON document is harmless, and the write fails soon after the client closes the
 * connection. That failure is counted in {@link #abortedRequests()}. Raw bodies are not padded, so a delayed
 * raw reply only notices an abort if writing the body itself fails.
 *
 * <p>Streams. {@link Reply#stream} answers as the API does with {@code "stream": true}: server-sent events from
 * {@code message_start} to {@code message_stop}, one {@code text_delta} per piece. {@link Reply#events} sends any
 * script of events built with {@link Sse}, e.g. one that ends without {@code message_stop} or carries an
 * {@code error} event; {@link Reply#withEventDelay} spaces them out, and {@link Reply#cutAfter} breaks the connection
 * off mid-body, as a failing network does.
 *
 * <p>Handlers run on virtual threads, so a hanging reply never holds up another request.
 */
public final class FakeAnthropicServer implements AutoCloseable {
  static final int PROBE_MILLIS = 10;

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Queue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  /** Exchanges counted in {@link #inFlight}: from arrival until their reply's last bytes start going out. */
  private final Set<HttpExchange> answering = ConcurrentHashMap.newKeySet();
  private int aborted;
  private volatile boolean closed;
  private volatile Function<RecordedRequest, Reply> responder = FakeAnthropicServer::defaultReply;

  private FakeAnthropicServer(HttpServer server) {
    this.server = server;
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  public static FakeAnthropicServer start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      FakeAnthropicServer fake = new FakeAnthropicServer(server);
      server.createContext("/", fake::handle);
      server.setExecutor(fake.executor);
      server.start();
      return fake;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fake Anthropic server", e);
    }
  }

  /** Where to point the provider, e.g. {@code http://127.0.0.1:54321}, without a trailing slash. */
  public URI baseUrl() {
    return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
  }

  /** Scripts the next replies, first in first out; when they run out the default responder takes over. */
  public FakeAnthropicServer enqueue(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  /** Replaces the default responder, which answers requests nothing was enqueued for. */
  public FakeAnthropicServer respondWith(Function<RecordedRequest, Reply> responder) {
    this.responder = responder;
    return this;
  }

  /** Every request received so far, in arrival order, including ones still being answered. */
  public synchronized List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** @throws AssertionError if no request has arrived */
  public synchronized RecordedRequest lastRequest() {
    if (requests.isEmpty()) {
      throw new AssertionError("the fake Anthropic server has received no request");
    }
    return requests.get(requests.size() - 1);
  }

  /**
   * Requests being answered right now. A request stops counting just before the last bytes of its reply are written,
   * so a client that got its reply and sent the next request is never counted twice.
   */
  public int inFlight() {
    return inFlight.get();
  }

  /** The most requests that were being answered at the same time, since start. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** Requests whose client went away while this server was still answering them. */
  public synchronized int abortedRequests() {
    return aborted;
  }

  /** Waits until at least {@code count} requests have arrived; useful before interrupting a caller. */
  public synchronized boolean awaitRequests(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (requests.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Waits until at least {@code count} requests have been aborted by their client. */
  public synchronized boolean awaitAborted(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (aborted < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Waits for the first aborted request. */
  public boolean awaitAborted(Duration timeout) throws InterruptedException {
    return awaitAborted(1, timeout);
  }

  /** Stops at once; hanging replies end and their clients see the connection close. */
  @Override
  public void close() {
    closed = true;
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) {
    answering.add(exchange);
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try (exchange) {
      RecordedRequest request = record(exchange);
      Reply scripted = script.poll();
      Reply reply;
      try {
        reply = scripted != null ? scripted : responder.apply(request);
      } catch (RuntimeException e) {
        // A broken responder is a bug in the test; say so to the client instead of just dropping the connection.
        reply = Reply.error(500, "api_error", "the fake's responder failed: " + e);
      }
      reply.send(exchange, request, this);
    } catch (IOException e) {
      if (!closed) {
        countAbort();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      answered(exchange);
    }
  }

  /** The exchange's reply is about to end: it no longer counts as in flight. */
  private void answered(HttpExchange exchange) {
    if (answering.remove(exchange)) {
      inFlight.decrementAndGet();
    }
  }

  private RecordedRequest record(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    Map<String, List<String>> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    Map<String, Object> json;
    try {
      json = body.length == 0 ? null : Json.parseObject(body);
    } catch (InvalidJsonException e) {
      json = null;
    }
    RecordedRequest request = new RecordedRequest(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
        Map.copyOf(headers), new String(body, StandardCharsets.UTF_8), json);
    synchronized (this) {
      requests.add(request);
      notifyAll();
    }
    return request;
  }

  private synchronized void countAbort() {
    aborted++;
    notifyAll();
  }

  String nextId() {
    return String.format("%06d", ids.incrementAndGet());
  }

  /** Checks what the real API would refuse, then echoes the last user message. */
  private static Reply defaultReply(RecordedRequest request) {
    if (!request.path().equals("/v1/messages")) {
      return Reply.error(404, "not_found_error", "Not Found");
    }
    if (!request.method().equals("POST")) {
      return Reply.error(405, "invalid_request_error", "Method Not Allowed");
    }
    if (request.header("x-api-key") == null) {
      return Reply.error(401, "authentication_error", "x-api-key header is required");
    }
    if (request.header("anthropic-version") == null) {
      return Reply.error(400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (request.json() == null || !(request.json().get("messages") instanceof List<?>)) {
      return Reply.error(400, "invalid_request_error", "messages: Field required");
    }
    return Reply.text("claude: " + request.lastUserMessage());
  }

  /** Four characters a token, at least one, as a stand-in for a tokenizer. */
  static long estimateTokens(int chars) {
    return Math.max(1, (chars + 3L) / 4);
  }

  /** The server-sent events of a streamed Messages API reply, each a complete block ready to send. */
  public static final class Sse {
    private Sse() {}

    public static String messageStart(long inputTokens) {
      Map<String, Object> usage = new LinkedHashMap<>();
      usage.put("input_tokens", inputTokens);
      usage.put("output_tokens", 1);
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("id", "msg_fake_stream");
      message.put("type", "message");
      message.put("role", "assistant");
      message.put("content", List.of());
      message.put("stop_reason", null);
      message.put("usage", usage);
      return event("message_start", Map.of("type", "message_start", "message", message));
    }

    public static String blockStart() {
      return event("content_block_start", Map.of("type", "content_block_start", "index", 0,
          "content_block", Map.of("type", "text", "text", "")));
    }

    public static String textDelta(String text) {
      return event("content_block_delta", Map.of("type", "content_block_delta", "index", 0,
          "delta", Map.of("type", "text_delta", "text", text)));
    }

    public static String blockStop() {
      return event("content_block_stop", Map.of("type", "content_block_stop", "index", 0));
    }

    public static String messageDelta(String stopReason, long outputTokens) {
      Map<String, Object> delta = new LinkedHashMap<>();
      delta.put("stop_reason", stopReason);
      delta.put("stop_sequence", null);
      return event("message_delta", Map.of("type", "message_delta", "delta", delta,
          "usage", Map.of("output_tokens", outputTokens)));
    }

    public static String messageStop() {
      return event("message_stop", Map.of("type", "message_stop"));
    }

    public static String ping() {
      return event("ping", Map.of("type", "ping"));
    }

    /** An {@code error} event, e.g. {@code overloaded_error}: how the API fails a stream it has begun. */
    public static String error(String errorType, String message) {
      return event("error", Map.of("type", "error", "error", Map.of("type", errorType, "message", message)));
    }

    private static String event(String name, Object data) {
      return "event: " + name + "\ndata: " + Json.writeString(data) + "\n\n";
    }
  }

  /**
   * One request as the server saw it.
   *
   * @param headers names in lower case
   * @param json the body parsed as a JSON object, or null when it is not one
   */
  public record RecordedRequest(String method, String path, Map<String, List<String>> headers, String body,
      Map<String, Object> json) {

    /** The first value of a header, any case, or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The text of the last user turn (string content or text blocks joined), or "" if there is none. */
    public String lastUserMessage() {
      String last = "";
      if (json != null && json.get("messages") instanceof List<?> messages) {
        for (Object m : messages) {
          if (m instanceof Map<?, ?> message && "user".equals(message.get("role"))) {
            last = text(message.get("content"));
          }
        }
      }
      return last;
    }

    /** Characters of system prompt and all message text, for a usage estimate. */
    int inputChars() {
      int chars = json != null ? text(json.get("system")).length() : 0;
      if (json != null && json.get("messages") instanceof List<?> messages) {
        for (Object m : messages) {
          if (m instanceof Map<?, ?> message) {
            chars += text(message.get("content")).length();
          }
        }
      }
      return chars;
    }

    private static String text(Object content) {
      if (content instanceof String s) {
        return s;
      }
      StringBuilder text = new StringBuilder();
      if (content instanceof List<?> blocks) {
        for (Object block : blocks) {
          if (block instanceof Map<?, ?> b && b.get("text") instanceof String s) {
            text.append(s);
          }
        }
      }
      return text.toString();
    }
  }

  /**
   * What the server answers one request with. Immutable; build with the factories, adjust with
   * {@link #withHeader}. The body is rendered when the reply is sent, so it can depend on the request.
   */
  public static final class Reply {
    private final int status;
    private final Map<String, String> headers;
    private final Function<RecordedRequest, String> body;
    /** The body is JSON, so whitespace may be written ahead of it while waiting. */
    private final boolean json;
    private final Duration delay;
    private final boolean hang;
    /** For a stream: the events to send, each a complete {@code event:}/{@code data:} block; else null. */
    private final Function<RecordedRequest, List<String>> events;
    private final Duration eventDelay;
    /** Events sent before the connection is broken off, or -1 to send them all and end cleanly. */
    private final int cutAfter;

    private Reply(int status, Map<String, String> headers, Function<RecordedRequest, String> body, boolean json,
        Duration delay, boolean hang) {
      this(status, headers, body, json, delay, hang, null, Duration.ZERO, -1);
    }

    private Reply(int status, Map<String, String> headers, Function<RecordedRequest, String> body, boolean json,
        Duration delay, boolean hang, Function<RecordedRequest, List<String>> events, Duration eventDelay,
        int cutAfter) {
      this.status = status;
      this.headers = Map.copyOf(headers);
      this.body = body;
      this.json = json;
      this.delay = delay;
      this.hang = hang;
      this.events = events;
      this.eventDelay = eventDelay;
      this.cutAfter = cutAfter;
    }

    /**
     * A streamed 200 message whose text arrives in these pieces, with {@code end_turn} and usage estimated from
     * request and reply, as the API sends it: {@code message_start}, {@code content_block_start}, a
     * {@code content_block_delta} per piece with a {@code ping} after the first, {@code content_block_stop},
     * {@code message_delta}, {@code message_stop}.
     */
    public static Reply stream(String... pieces) {
      String text = String.join("", pieces);
      return events(request -> {
        List<String> script = new ArrayList<>();
        script.add(Sse.messageStart(estimateTokens(request.inputChars())));
        script.add(Sse.blockStart());
        for (int i = 0; i < pieces.length; i++) {
          script.add(Sse.textDelta(pieces[i]));
          if (i == 0) {
            script.add(Sse.ping());
          }
        }
        script.add(Sse.blockStop());
        script.add(Sse.messageDelta("end_turn", estimateTokens(text.length())));
        script.add(Sse.messageStop());
        return script;
      });
    }

    /** A streamed 200 reply of exactly these events (see {@link Sse}). */
    public static Reply events(String... events) {
      List<String> script = List.of(events);
      return events(request -> script);
    }

    private static Reply events(Function<RecordedRequest, List<String>> script) {
      return new Reply(200, Map.of("content-type", "text/event-stream"), request -> "", false, Duration.ZERO, false,
          script, Duration.ZERO, -1);
    }

    /** The same stream with a pause before each event after the first. */
    public Reply withEventDelay(Duration pause) {
      requireStream();
      return new Reply(status, headers, body, json, delay, hang, events, pause, cutAfter);
    }

    /**
     * The same stream broken off after {@code count} events: the body announces more bytes than it sends and the
     * connection closes, so the client sees the body end early, as when a network fails.
     */
    public Reply cutAfter(int count) {
      requireStream();
      return new Reply(status, headers, body, json, delay, hang, events, eventDelay, count);
    }

    private void requireStream() {
      if (events == null) {
        throw new IllegalStateException("only a streamed reply has events to pace or cut");
      }
    }

    private static Reply rendered(int status, Function<RecordedRequest, Object> tree) {
      return new Reply(status, Map.of("content-type", "application/json"), r -> Json.writeString(tree.apply(r)), true,
          Duration.ZERO, false);
    }

    /** A 200 message with one text block, {@code end_turn}, and usage estimated from request and reply. */
    public static Reply text(String text) {
      return message(text, "end_turn");
    }

    /** A 200 message with one text block and the given stop reason, e.g. {@code max_tokens}. */
    public static Reply message(String text, String stopReason) {
      return rendered(200, request -> {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("input_tokens", estimateTokens(request.inputChars()));
        usage.put("output_tokens", estimateTokens(text.length()));
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", "msg_fake_" + Integer.toHexString(text.hashCode()));
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", request.json() != null ? request.json().get("model") : null);
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("type", "text");
        block.put("text", text);
        message.put("content", List.of(block));
        message.put("stop_reason", stopReason);
        message.put("stop_sequence", null);
        message.put("usage", usage);
        return message;
      });
    }

    /** Any status with any JSON body, e.g. a message with several content blocks. */
    public static Reply json(int status, Object body) {
      return rendered(status, request -> body);
    }

    /** An API error: {@code {"type":"error","error":{"type":errorType,"message":message},"request_id":...}}. */
    public static Reply error(int status, String errorType, String message) {
      return rendered(status, request -> {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", errorType);
        error.put("message", message);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("type", "error");
        root.put("error", error);
        root.put("request_id", "req_fake_" + status);
        return root;
      });
    }

    /** Exactly these bytes, e.g. a proxy's HTML error page. */
    public static Reply raw(int status, String body) {
      return new Reply(status, Map.of("content-type", "text/plain; charset=utf-8"), request -> body, false,
          Duration.ZERO, false);
    }

    /** Answers with {@code reply} after {@code delay}. */
    public static Reply delayed(Duration delay, Reply reply) {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("a reply cannot be delayed by a negative time, was " + delay);
      }
      return new Reply(reply.status, reply.headers, reply.body, reply.json, reply.delay.plus(delay), reply.hang,
          reply.events, reply.eventDelay, reply.cutAfter);
    }

    /**
     * Sends a 200 status line and then never answers, until the client goes away (counted in
     * {@link #abortedRequests()}) or the server closes.
     */
    public static Reply hang() {
      return new Reply(200, Map.of("content-type", "application/json"), request -> "", true, Duration.ZERO, true);
    }

    /** The same reply with one more response header (replacing one of the same name). */
    public Reply withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
      more.put(name, value);
      return new Reply(status, more, body, json, delay, hang, events, eventDelay, cutAfter);
    }

    private void send(HttpExchange exchange, RecordedRequest request, FakeAnthropicServer server)
        throws IOException, InterruptedException {
      headers.forEach(exchange.getResponseHeaders()::set);
      exchange.getResponseHeaders().set("request-id", "req_fake_" + server.nextId());
      if (events != null) {
        sendEvents(exchange, request, server);
      } else if (delay.isZero() && !hang) {
        server.answered(exchange);
        sendAtOnce(exchange, request);
      } else if (json) {
        exchange.sendResponseHeaders(status, 0);
        OutputStream out = exchange.getResponseBody();
        long deadline = System.nanoTime() + delay.toNanos();
        while (!server.closed && (hang || System.nanoTime() < deadline)) {
          out.write(' ');
          out.flush();
          long leftMillis = hang ? PROBE_MILLIS : TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          Thread.sleep(Math.max(0, Math.min(PROBE_MILLIS, leftMillis)));
        }
        server.answered(exchange);
        out.write(body.apply(request).getBytes(StandardCharsets.UTF_8));
      } else {
        Thread.sleep(delay);
        server.answered(exchange);
        sendAtOnce(exchange, request);
      }
    }

    private void sendEvents(HttpExchange exchange, RecordedRequest request, FakeAnthropicServer server)
        throws IOException, InterruptedException {
      List<String> script = events.apply(request);
      // A cut stream claims far more bytes than it sends; closing the exchange short of them drops the connection.
      exchange.sendResponseHeaders(status, cutAfter < 0 ? 0 : 1 << 20);
      OutputStream out = exchange.getResponseBody();
      int count = cutAfter < 0 ? script.size() : Math.min(cutAfter, script.size());
      for (int i = 0; i < count; i++) {
        if (i > 0 && !eventDelay.isZero()) {
          Thread.sleep(eventDelay);
        }
        if (i == count - 1) {
          server.answered(exchange);
        }
        out.write(script.get(i).getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }

    private void sendAtOnce(HttpExchange exchange, RecordedRequest request) throws IOException {
      byte[] bytes = body.apply(request).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }
}
