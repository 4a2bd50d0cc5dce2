package io.dago.config;

/** The LLM providers {@code LLM_PROVIDER} can name. */
public enum LlmProviderKind {
  ANTHROPIC, ECHO;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
