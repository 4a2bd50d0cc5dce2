package io.dago.llm.anthropic;

import io.dago.llm.LlmException;
import io.dago.llm.LlmProvider;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.TextSink;
import io.dago.llm.Usage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Claude through the Anthropic Messages API: one {@code POST /v1/messages} per call, streamed as server-sent events
 * for {@link #stream}. Thread-safe; share one instance, and one {@link HttpClient}, across all workers.
 *
 * <p>The API key goes into the {@code x-api-key} header and nowhere else: every exception message is
 * scrubbed of it, and the debug log line carries sizes and timings, never the key or the prompt.
 */
public final class AnthropicProvider implements LlmProvider {
  static final String API_VERSION = "2023-06-01";
  private static final Logger LOG = Logger.getLogger(AnthropicProvider.class.getName());

  private final HttpClient http;
  private final URI messagesUri;
  private final String endpoint;
  private final String apiKey;
  private final Clock clock;

  /**
   * @param baseUri e.g. {@code https://api.anthropic.com}; a path prefix (for a proxy) is kept
   */
  public AnthropicProvider(HttpClient http, URI baseUri, String apiKey) {
    this(http, baseUri, apiKey, Clock.systemUTC());
  }

  /** @param clock turns an HTTP-date {@code retry-after} into a delay */
  AnthropicProvider(HttpClient http, URI baseUri, String apiKey, Clock clock) {
    if (http == null || clock == null) {
      throw new IllegalArgumentException("the HTTP client and the clock are required");
    }
    if (baseUri == null || baseUri.getHost() == null) {
      throw new IllegalArgumentException("the Anthropic base URL needs a scheme and a host, was " + baseUri);
    }
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("the Anthropic API key is empty; set LLM_API_KEY");
    }
    String base = baseUri.toString();
    this.messagesUri = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/messages");
    int port = baseUri.getPort() != -1 ? baseUri.getPort() : "https".equalsIgnoreCase(baseUri.getScheme()) ? 443 : 80;
    this.endpoint = baseUri.getHost() + ":" + port;
    this.http = http;
    this.apiKey = apiKey;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "anthropic";
  }

  @Override
  public LlmResponse complete(LlmRequest request) throws LlmException, InterruptedException {
    return call(request, false, HttpResponse.BodyHandlers.ofByteArray(), reply -> read(reply, request.model()));
  }

  /**
   * Reads the events on this (the worker's) thread as they arrive. An interrupt while waiting for the next piece makes
   * the JDK's body stream close itself, which aborts the exchange just as {@link #exchange} does.
   */
  @Override
  public LlmResponse stream(LlmRequest request, TextSink sink) throws LlmException, InterruptedException {
    return call(request, true, HttpResponse.BodyHandlers.ofInputStream(),
        reply -> readStream(reply, request.model(), sink));
  }

  /** Turns a reply into the model's response, or throws what went wrong. */
  @FunctionalInterface
  private interface ReplyReader<T> {
    LlmResponse read(HttpResponse<T> reply) throws LlmException, InterruptedException;
  }

  /** One call, however its body is read: scrubs the key from failures and logs one line for it either way. */
  private <T> LlmResponse call(LlmRequest request, boolean stream, HttpResponse.BodyHandler<T> handler,
      ReplyReader<T> reader) throws LlmException, InterruptedException {
    long started = System.nanoTime();
    String outcome = "failed";
    int status = 0;
    Usage usage = Usage.ZERO;
    try {
      HttpResponse<T> reply = exchange(request, stream, handler);
      status = reply.statusCode();
      LlmResponse response = reader.read(reply);
      outcome = "ok";
      usage = response.usage();
      return response;
    } catch (LlmException e) {
      outcome = e.code();
      throw withoutKey(e);
    } catch (InterruptedException e) {
      outcome = "interrupted";
      throw e;
    } finally {
      log(request, outcome, status, usage, started);
    }
  }

  private LlmResponse readStream(HttpResponse<InputStream> reply, String model, TextSink sink)
      throws LlmException, InterruptedException {
    MessageStream message = new MessageStream(model, sink);
    try (InputStream body = reply.body()) {
      int status = reply.statusCode();
      if (status < 200 || status >= 300) {
        // Errors before the stream starts come as an ordinary JSON body.
        Duration retryAfter = RetryAfter.parse(reply.headers().firstValue("retry-after").orElse(null),
            clock.instant());
        throw ErrorResponse.toException(status, body.readAllBytes(), retryAfter, model);
      }
      ServerSentEvents events = new ServerSentEvents(
          new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)));
      for (ServerSentEvents.Event event; !message.isStopped() && (event = events.next()) != null; ) {
        message.accept(event);
      }
      return message.response();
    } catch (IOException e) {
      if (Thread.interrupted()) {
        throw new InterruptedException("anthropic stream interrupted");
      }
      throw message.interrupted("the stream from " + endpoint + " broke off (" + describe(e) + ")");
    }
  }

  private <T> HttpResponse<T> exchange(LlmRequest request, boolean stream, HttpResponse.BodyHandler<T> handler)
      throws LlmException, InterruptedException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(messagesUri)
        .header("x-api-key", apiKey)
        .header("anthropic-version", API_VERSION)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(MessagesRequestBody.of(request, stream)));
    if (request.traceparent() != null) {
      builder.header("traceparent", request.traceparent());
    }
    HttpRequest httpRequest = builder.build();
    CompletableFuture<HttpResponse<T>> future = http.sendAsync(httpRequest, handler);
    try {
      return future.get();
    } catch (InterruptedException e) {
      // cancel(true) makes the client abort the exchange and drop the connection; without it the request
      // would run to completion in the background, still occupying a connection and still billed.
      future.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw unreachable(io);
      }
      throw new IllegalStateException("anthropic request to " + endpoint + " failed unexpectedly", e.getCause());
    }
  }

  private LlmResponse read(HttpResponse<byte[]> reply, String model) throws LlmException {
    int status = reply.statusCode();
    if (status >= 200 && status < 300) {
      return MessagesResponse.parse(status, reply.body());
    }
    Duration retryAfter = RetryAfter.parse(reply.headers().firstValue("retry-after").orElse(null), clock.instant());
    throw ErrorResponse.toException(status, reply.body(), retryAfter, model);
  }

  /** Refused, reset, timed out or otherwise cut off: worth another try, perhaps on another connection. */
  private LlmException unreachable(IOException cause) {
    return new LlmException("connection_error", "anthropic: cannot reach " + endpoint + " (" + describe(cause) + ")",
        true, 0, null);
  }

  /** The JDK client's connect failures often carry no message at all; the innermost cause then says most. */
  private static String describe(Throwable failure) {
    Throwable root = failure;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return failure.getClass().getSimpleName() + ": " + t.getMessage();
      }
      root = t;
    }
    return root == failure ? failure.getClass().getSimpleName()
        : failure.getClass().getSimpleName() + " caused by " + root.getClass().getSimpleName();
  }

  /**
   * Error bodies and transport messages are not ours; make sure none of them can leak the key. Redacting the
   * whole message rather than each borrowed part keeps this one check complete. A real key is long and random,
   * so it never collides with our own wording.
   */
  private LlmException withoutKey(LlmException e) {
    if (e.getMessage() == null || !e.getMessage().contains(apiKey)) {
      return e;
    }
    return new LlmException(e.code(), e.getMessage().replace(apiKey, "[redacted]"), e.retryable(), e.httpStatus(),
        e.retryAfter());
  }

  private static void log(LlmRequest request, String outcome, int status, Usage usage, long started) {
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(String.format("anthropic call graph=%s node=%s model=%s prompt_chars=%d status=%d outcome=%s"
              + " latency_ms=%d input_tokens=%d output_tokens=%d",
          request.graphId(), request.nodeId(), request.model(), request.prompt().length(), status, outcome,
          (System.nanoTime() - started) / 1_000_000, usage.inputTokens(), usage.outputTokens()));
    }
  }
}
