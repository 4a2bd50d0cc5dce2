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

  /**
   * An {@code error} event in the middle of a streamed reply, whose status was already 200: judged, and given the
   * status, that the same error type has outside a stream, so that {@code overloaded_error} is retried like a 529.
   *
   * @param data the event's data, {@code {"type":"error","error":{"type":...,"message":...}}}
   */
  static LlmException fromStreamError(byte[] data, String model) {
    int status = statusOf(errorType(data));
    Kind kind = kind(status);
    return new LlmException(kind.code(), "anthropic stream error" + describe(data) + hint(status, model),
        kind.retryable(), status, null);
  }

  /** The status the Messages API answers each error type with; an unknown type counts as a server error. */
  private static int statusOf(String errorType) {
    return switch (errorType) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "overloaded_error" -> 529;
      default -> 500;
    };
  }

  private static String errorType(byte[] data) {
    try {
      if (Json.parse(data) instanceof Map<?, ?> root && root.get("error") instanceof Map<?, ?> error
          && error.get("type") instanceof String type) {
        return type;
      }
    } catch (InvalidJsonException notJson) {
      // described as such by describe()
    }
    return "api_error";
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
