package io.dago.llm;

/**
 * A model's reply.
 *
 * @param text the text content blocks, joined
 * @param stopReason why the model stopped, as the provider says it (e.g. {@code end_turn}, {@code max_tokens})
 */
public record LlmResponse(String text, Usage usage, String stopReason) {}
