package io.dago.llm.anthropic;

import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import io.dago.llm.LlmException;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import java.util.List;
import java.util.Map;

/**
 * Reads a successful Messages API reply. Only {@code text} blocks count towards the text; other blocks
 * (thinking, tool use) are skipped. Missing usage or stop reason is tolerated; a body without a
 * {@code content} array is not, because it means we did not get a message at all.
 */
final class MessagesResponse {
  private MessagesResponse() {}

  static LlmResponse parse(int status, byte[] body) throws LlmException {
    Object tree;
    try {
      tree = Json.parse(body);
    } catch (InvalidJsonException notJson) {
      throw invalid(status, "the body is not JSON: " + Snippet.of(body));
    }
    if (!(tree instanceof Map<?, ?> message) || !(message.get("content") instanceof List<?> content)) {
      throw invalid(status, "the body has no content array: " + Snippet.of(body));
    }
    StringBuilder text = new StringBuilder();
    for (Object block : content) {
      if (block instanceof Map<?, ?> b && "text".equals(b.get("type")) && b.get("text") instanceof String part) {
        text.append(part);
      }
    }
    Usage usage = message.get("usage") instanceof Map<?, ?> u
        ? new Usage(tokens(u.get("input_tokens")), tokens(u.get("output_tokens")))
        : Usage.ZERO;
    String stopReason = message.get("stop_reason") instanceof String s ? s : null;
    return new LlmResponse(text.toString(), usage, stopReason);
  }

  private static long tokens(Object count) {
    return count instanceof Number n ? n.longValue() : 0;
  }

  /** Retryable: a garbled reply is usually a proxy or transport hiccup, not something the request caused. */
  private static LlmException invalid(int status, String detail) {
    return new LlmException("invalid_response", "anthropic " + status + " invalid_response: " + detail, true, status,
        null);
  }
}
