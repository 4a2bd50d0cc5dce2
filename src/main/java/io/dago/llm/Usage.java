package io.dago.llm;

/** Tokens one or more LLM calls consumed. */
public record Usage(long inputTokens, long outputTokens) {
  public static final Usage ZERO = new Usage(0, 0);

  public Usage plus(Usage other) {
    return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens);
  }
}
