package io.dago.llm.echo;

import io.dago.llm.LlmProvider;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.TextSink;
import io.dago.llm.Usage;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * An offline model that answers {@code "echo: " + prompt}, so a rendered template is visible end to end.
 * Deterministic: the same request always gets the same reply and the same token estimate.
 *
 * <p>With zero latency this is the benchmark hot path, so it neither sleeps nor allocates anything but the
 * reply.
 *
 * <p>Streamed, the same reply arrives word by word (each word with the whitespace after it), the latency spread
 * evenly over the words, so that token streaming can be watched without an API key.
 */
public final class EchoProvider implements LlmProvider {
  static final String PREFIX = "echo: ";
  static final String STOP_REASON = "end_turn";
  /** Between a whitespace character and the word that follows it. */
  private static final Pattern WORD_START = Pattern.compile("(?<=\\s)(?=\\S)");

  private final Duration latency;

  /** @param latency how long each call pretends to take; zero answers at once */
  public EchoProvider(Duration latency) {
    if (latency == null || latency.isNegative()) {
      throw new IllegalArgumentException("echo latency must be zero or positive, was " + latency);
    }
    this.latency = latency;
  }

  @Override
  public String name() {
    return "echo";
  }

  @Override
  public LlmResponse complete(LlmRequest request) throws InterruptedException {
    if (latency.isZero()) {
      // Honour a cancellation that arrived before the call, as a real provider would.
      if (Thread.interrupted()) {
        throw new InterruptedException("echo call interrupted");
      }
    } else {
      Thread.sleep(latency);
    }
    return reply(request);
  }

  @Override
  public LlmResponse stream(LlmRequest request, TextSink sink) throws InterruptedException {
    LlmResponse reply = reply(request);
    String[] words = WORD_START.split(reply.text());
    long pauseNanos = latency.toNanos() / words.length;
    for (String word : words) {
      if (pauseNanos > 0) {
        Thread.sleep(Duration.ofNanos(pauseNanos));
      } else if (Thread.interrupted()) {
        throw new InterruptedException("echo call interrupted");
      }
      sink.accept(word);
    }
    return reply;
  }

  private static LlmResponse reply(LlmRequest request) {
    String text = PREFIX + request.prompt();
    int inputChars = (request.system() == null ? 0 : request.system().length()) + request.prompt().length();
    return new LlmResponse(text, new Usage(estimateTokens(inputChars), estimateTokens(text.length())), STOP_REASON);
  }

  /** About four characters a token, the usual rule of thumb for English; never zero. */
  static long estimateTokens(int chars) {
    return Math.max(1, (chars + 3L) / 4);
  }
}
