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

  /** The instance's health from its components': down as soon as one of them is. */
  public static Health of(Map<String, Map<String, Object>> components) {
    return new Health(anyDown(components) ? Status.DOWN : Status.OK, components);
  }

  /** True when a component is down, which the HTTP API answers with 503. */
  public boolean anyDown() {
    return anyDown(components);
  }

  private static boolean anyDown(Map<String, Map<String, Object>> components) {
    return components.values().stream().anyMatch(c -> "down".equals(c.get("status")));
  }
}
