package io.dago.state;

import io.dago.llm.Usage;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the {@code data} trees of events: plain JSON-ready maps, so any event bus can store them as they are. */
public final class EventData {
  private EventData() {}

  public static Map<String, Object> usage(Usage usage) {
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put("input_tokens", usage.inputTokens());
    map.put("output_tokens", usage.outputTokens());
    return map;
  }

  public static Map<String, Object> error(ErrorInfo error) {
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put("code", error.code());
    map.put("message", error.message());
    map.put("retryable", error.retryable());
    return map;
  }

  public static Map<String, Object> of(String key, Object value) {
    Map<String, Object> map = new LinkedHashMap<>(2);
    map.put(key, value);
    return map;
  }

  public static Map<String, Object> of(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> map = new LinkedHashMap<>(4);
    map.put(k1, v1);
    map.put(k2, v2);
    return map;
  }

  public static Map<String, Object> of(String k1, Object v1, String k2, Object v2, String k3, Object v3) {
    Map<String, Object> map = of(k1, v1, k2, v2);
    map.put(k3, v3);
    return map;
  }

  /** Reads back what {@link #usage} wrote, after a trip through JSON (any number type). */
  public static Usage readUsage(Object tree) {
    if (!(tree instanceof Map<?, ?> map)) {
      return Usage.ZERO;
    }
    return new Usage(readLong(map.get("input_tokens")), readLong(map.get("output_tokens")));
  }

  /** Reads back what {@link #error} wrote. */
  public static ErrorInfo readError(Object tree) {
    if (!(tree instanceof Map<?, ?> map)) {
      return null;
    }
    return new ErrorInfo((String) map.get("code"), (String) map.get("message"),
        Boolean.TRUE.equals(map.get("retryable")));
  }

  public static int readInt(Object number) {
    return (int) readLong(number);
  }

  private static long readLong(Object number) {
    return number instanceof Number n ? n.longValue() : 0;
  }
}
