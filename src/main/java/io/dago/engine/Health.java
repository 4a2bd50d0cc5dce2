package io.dago.engine;

import java.util.Map;

/**
 * The health of the instance and each component it depends on.
 *
 * @param components by name; each has a {@code status} ("ok" or "down") and component-specific details
 */
public record Health(Status status, Map<String, Map<String, Object>> components) {

  public enum Status {
    OK, DEGRADED, DOWN;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** True when a component is down, which the HTTP API answers with 503. */
  public boolean anyDown() {
    return components.values().stream().anyMatch(c -> "down".equals(c.get("status")));
  }
}
