package io.dago.llm;

/**
 * Receives a reply's text while it is being generated, piece by piece, in order; joined, the pieces are the reply's
 * text. Called on the thread that called {@link LlmProvider#stream}; must return quickly (buffer and hand on), since
 * the provider reads the next piece only after it returns.
 */
@FunctionalInterface
public interface TextSink {
  void accept(String text);
}
