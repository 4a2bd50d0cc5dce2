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
}
