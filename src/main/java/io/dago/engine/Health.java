package io.dago.engine;

import java.util.Map;

/**
 * The health of the instance and each component it depends on.
 *
 * @param components by name; each has a {@code status} ("ok", "degraded" or "down") and component-specific details
 */
public record Health(Status status, Map<String, Map<String, Object>> components) {

  public enum Status {
    OK, DEGRADED, DOWN;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The instance's health from its components': down as soon as one of them is, else degraded as soon as one of
   * them is (it works, with less service: a provider whose circuit breaker is open).
   */
  public static Health of(Map<String, Map<String, Object>> components) {
    Status status = anyDown(components) ? Status.DOWN
        : components.values().stream().anyMatch(c -> "degraded".equals(c.get("status"))) ? Status.DEGRADED
        : Status.OK;
    return new Health(status, components);
  }

  /** True when a component is down, which the HTTP API answers with 503. */
  public boolean anyDown() {
    return anyDown(components);
  }

  private static boolean anyDown(Map<String, Map<String, Object>> components) {
    return components.values().stream().anyMatch(c -> "down".equals(c.get("status")));
  }
}
