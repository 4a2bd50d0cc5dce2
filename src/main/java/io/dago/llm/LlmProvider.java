package io.dago.llm;

/**
 * A model API. Implementations are thread-safe and shared by all workers.
 *
 * <p>Contract: {@link #complete} blocks the calling (virtual) thread until the reply arrives. It must respond
 * to interruption promptly by aborting the underlying request (not leaving it to finish in the background)
 * and throwing {@link InterruptedException}; the engine interrupts a call to cancel it or to end an attempt
 * that outlived its timeout.
 */
public interface LlmProvider {

  /** Short name used in logs, metrics and errors, e.g. {@code anthropic}. */
  String name();

  LlmResponse complete(LlmRequest request) throws LlmException, InterruptedException;

  /**
   * Like {@link #complete}, and also hands the reply's text to {@code sink} as it arrives. The returned response
   * still carries the whole text. Same interruption contract as {@link #complete}. A stream that breaks off after
   * some text was handed over fails like any call (retryable where a retry can help): the pieces already handed
   * over belong to a failed attempt.
   *
   * <p>By default the whole text is handed over once, when the reply is complete, so every provider can serve
   * streaming nodes.
   */
  default LlmResponse stream(LlmRequest request, TextSink sink) throws LlmException, InterruptedException {
    LlmResponse response = complete(request);
    if (!response.text().isEmpty()) {
      sink.accept(response.text());
    }
    return response;
  }
}
