package io.dago.llm.anthropic;

import io.dago.json.Json;
import io.dago.llm.LlmRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes the JSON body of {@code POST /v1/messages}: one user turn, streamed or not. */
final class MessagesRequestBody {
  private MessagesRequestBody() {}

  static byte[] of(LlmRequest request) {
    return of(request, false);
  }

  /** @param stream asks for the reply as server-sent events */
  static byte[] of(LlmRequest request, boolean stream) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", request.model());
    body.put("max_tokens", request.maxTokens());
    // The API rejects an empty system prompt, and a missing one means "none" anyway.
    if (request.system() != null && !request.system().isEmpty()) {
      body.put("system", request.system());
    }
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("role", "user");
    message.put("content", request.prompt());
    body.put("messages", List.of(message));
    if (stream) {
      body.put("stream", true);
    }
    return Json.write(body);
  }
}
