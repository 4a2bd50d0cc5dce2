package io.dago.llm;

/**
 * One call to a model, fully rendered.
 *
 * @param system the system prompt, or null
 * @param temperature 0 to 1, or null to leave it to the provider
 * @param graphId for logs only
 * @param nodeId for logs only
 */
public record LlmRequest(String model, String system, String prompt, int maxTokens, Double temperature,
    String graphId, String nodeId) {}
