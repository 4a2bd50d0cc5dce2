package io.dago.llm.anthropic;

import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import io.dago.llm.LlmException;
import java.time.Duration;
import java.util.Map;

/**
 * Turns a non-2xx reply into an {@link LlmException}. The status decides the code and whether a retry can
 * help; the body, {@code {"type":"error","error":{"type":...,"message":...}}}, supplies the API's own words.
 * The body may come from a proxy rather than the API, so anything else is quoted, shortened, never trusted.
 */
final class ErrorResponse {
  private ErrorResponse() {}

  private record Kind(String code, boolean retryable) {}

  /** The one table from status to code; see the Messages API error docs for what each status means. */
  private static Kind kind(int status) {
    return switch (status) {
      case 400 -> new Kind("invalid_request", false);
      case 401 -> new Kind("authentication_failed", false);
      case 403 -> new Kind("permission_denied", false);
      case 404 -> new Kind("not_found", false);
      case 408 -> new Kind("request_timeout", true);
      case 413 -> new Kind("request_too_large", false);
      case 429 -> new Kind("rate_limited", true);
      case 500 -> new Kind("api_error", true);
      case 502, 503, 504 -> new Kind("api_unavailable", true);
      case 529 -> new Kind("overloaded", true);
      default -> status >= 500 ? new Kind("api_error", true)
          : status >= 400 ? new Kind("request_rejected", false)
          : new Kind("unexpected_status", false);
    };
  }

  /**
   * @param model named in the hint for 404, the usual cause being a misspelt model
   * @param retryAfter the delay the server asked for, or null
   */
  static LlmException toException(int status, byte[] body, Duration retryAfter, String model) {
    Kind kind = kind(status);
    String message = "anthropic " + status + describe(body) + hint(status, model);
    return new LlmException(kind.code(), message, kind.retryable(), status, retryAfter);
  }

  private static String describe(byte[] body) {
    if (body.length == 0) {
      return ": empty error body";
    }
    Object tree;
    try {
      tree = Json.parse(body);
    } catch (InvalidJsonException notJson) {
      return ": the error body is not JSON: " + Snippet.of(body);
    }
    if (tree instanceof Map<?, ?> root && root.get("error") instanceof Map<?, ?> error) {
      String type = error.get("type") instanceof String t ? t : "unknown_error";
      String text = error.get("message") instanceof String m ? ": " + m : "";
      String requestId = root.get("request_id") instanceof String id ? " (request_id " + id + ")" : "";
      return " " + type + text + requestId;
    }
    return ": unexpected error body: " + Snippet.of(body);
  }

  private static String hint(int status, String model) {
    return switch (status) {
      case 401 -> "; check LLM_API_KEY";
      case 404 -> "; check that the model \"" + model + "\" exists and the base URL is right";
      case 413 -> "; shorten the prompt";
      default -> "";
    };
  }
}
