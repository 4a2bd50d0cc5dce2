package io.dago.llm;

/**
 * One call to a model, fully rendered.
 *
 * @param system the system prompt, or null
 * @param temperature 0 to 1, or null to leave it to the provider
 * @param graphId for logs only
 * @param nodeId for logs only
 * @param traceparent the W3C {@code traceparent} of this call, sent along so the call can be found in the provider's
 *     or a proxy's logs; null for none
 */
public record LlmRequest(String model, String system, String prompt, int maxTokens, Double temperature,
    String graphId, String nodeId, String traceparent) {}
