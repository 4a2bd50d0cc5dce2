package io.dago.graph;

import java.util.List;

/**
 * One node of a graph, with every default already applied by the parser.
 *
 * @param model the model to call, or null for the configured default
 * @param system the system prompt, or null
 * @param temperature 0 to 1, or null to leave it to the provider
 * @param timeoutSeconds bound on each attempt
 * @param stream whether the reply's text is published as {@code NodeDelta} events while it arrives
 * @param cache whether a stored reply to an identical request may stand in for calling the model
 */
public record NodeSpec(
    String id,
    String type,
    List<String> dependsOn,
    String prompt,
    String system,
    String model,
    int maxTokens,
    Double temperature,
    int timeoutSeconds,
    RetrySpec retry,
    OnFailure onFailure,
    boolean stream,
    boolean cache) {

  public static final String TYPE_LLM = "llm";
  public static final int DEFAULT_MAX_TOKENS = 1024;
  public static final int DEFAULT_TIMEOUT_SECONDS = 300;

  public NodeSpec {
    dependsOn = List.copyOf(dependsOn);
  }
}
