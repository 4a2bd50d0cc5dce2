package io.dago.store.redis;

import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cached reply as Redis holds it:
 * {@code {"text": "...", "usage": {"input_tokens": 1, "output_tokens": 2}, "stop_reason": "end_turn"}}.
 * The field names are those of the HTTP API, so that a value read with {@code redis-cli} needs no explaining.
 */
final class ReplyJson {

  private ReplyJson() {}

  static byte[] encode(LlmResponse response) {
    Map<String, Object> usage = new LinkedHashMap<>(4);
    usage.put("input_tokens", response.usage().inputTokens());
    usage.put("output_tokens", response.usage().outputTokens());
    Map<String, Object> reply = new LinkedHashMap<>(4);
    reply.put("text", response.text());
    reply.put("usage", usage);
    reply.put("stop_reason", response.stopReason());
    return Json.write(reply);
  }

  /**
   * @throws IllegalArgumentException when the value is not a reply this class wrote (another writer, a newer dago),
   *     saying what is wrong with it
   */
  static LlmResponse decode(byte[] value) {
    Object tree;
    try {
      tree = Json.parse(value);
    } catch (InvalidJsonException e) {
      throw new IllegalArgumentException("a cached reply is not JSON: " + e.getMessage(), e);
    }
    if (!(tree instanceof Map<?, ?> reply)) {
      throw new IllegalArgumentException("a cached reply must be a JSON object");
    }
    if (!(reply.get("usage") instanceof Map<?, ?> usage)) {
      throw new IllegalArgumentException("a cached reply has no usage object");
    }
    return new LlmResponse(optionalString(reply, "text"),
        new Usage(count(usage, "input_tokens"), count(usage, "output_tokens")), optionalString(reply, "stop_reason"));
  }

  private static String optionalString(Map<?, ?> object, String field) {
    Object value = object.get(field);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw new IllegalArgumentException("a cached reply's " + field + " must be a string");
  }

  private static long count(Map<?, ?> usage, String field) {
    if (usage.get(field) instanceof Number number) {
      return number.longValue();
    }
    throw new IllegalArgumentException("a cached reply's usage." + field + " must be a number");
  }
}
