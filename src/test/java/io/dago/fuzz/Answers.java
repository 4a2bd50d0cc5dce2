package io.dago.fuzz;

import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The properties every answer to a fuzzed request must have, as the README's HTTP API section states them: 2xx with a
 * JSON body, or 4xx with {@code {"error": {"code", "message", "details"?}}} and the code that goes with the status;
 * never a 5xx, never silence. What a request that is not well-formed HTTP may get instead is in
 * {@link HttpCase.Expect}.
 */
final class Answers {
  /** The error codes the README lists for each 4xx status. */
  private static final Map<Integer, Set<String>> CODES = Map.of(
      400, Set.of("invalid_json", "invalid_graph", "invalid_request"),
      401, Set.of("unauthorized"),
      404, Set.of("not_found"),
      405, Set.of("method_not_allowed"),
      409, Set.of("conflict"),
      413, Set.of("payload_too_large"),
      415, Set.of("unsupported_media_type"),
      429, Set.of("rate_limited"),
      431, Set.of("headers_too_large"));

  private Answers() {}

  /** @return null when the outcome is acceptable for the case, else what is wrong with it */
  static String problem(HttpCase request, RawHttp.Outcome outcome) {
    return switch (outcome) {
      case RawHttp.Hung hung -> "hang: " + hung;
      case RawHttp.Closed closed -> request.expect() == HttpCase.Expect.DAGO && !overJdkLimits(request)
          ? "the connection was closed without an answer to a well-formed request: " + closed : null;
      case RawHttp.Answer answer -> {
        if (request.expect() == HttpCase.Expect.PROTOCOL && isJdkRefusal(answer)) {
          yield null;
        }
        String wrong = dagoAnswerProblem(request, answer);
        if (wrong == null && request.status() != 0 && answer.status() != request.status()) {
          wrong = "status " + answer.status() + " where " + request.status() + " was expected";
        }
        yield wrong == null ? null : wrong + "\n answer: " + answer;
      }
    };
  }

  /**
   * Whether the JDK's server closes the request's connection before dago sees it: a request line or header block over
   * {@code sun.net.httpserver.maxReqHeaderSize} (counting 32 bytes more per header line), or more header lines than
   * {@code sun.net.httpserver.maxReqHeaders}. Both are read once per JVM, from the first server's settings (see
   * {@code ConnectionLimits}): another test's dago may have set them lower than the fuzzers' own.
   */
  static boolean overJdkLimits(HttpCase request) {
    int cap = Integer.getInteger("sun.net.httpserver.maxReqHeaderSize", 384 * 1024);
    int maxHeaders = Integer.getInteger("sun.net.httpserver.maxReqHeaders", 200);
    String head = new String(request.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    int end = head.indexOf("\r\n\r\n");
    String[] lines = (end < 0 ? head : head.substring(0, end)).split("\r\n");
    long headers = 0;
    for (int i = 1; i < lines.length; i++) {
      headers += lines[i].length() + 32;
    }
    return lines[0].length() > cap - 64 || headers > cap - 64 || lines.length - 1 > maxHeaders;
  }

  /**
   * The JDK's server refuses what it cannot parse before any handler runs, with a short HTML page and a closed
   * connection: 400; 404 for a target that is not a path ({@code *}, an empty one); 501 for a transfer coding other
   * than chunked (RFC 9112 asks for exactly that).
   */
  static boolean isJdkRefusal(RawHttp.Answer answer) {
    return (answer.status() == 400 || answer.status() == 404 || answer.status() == 501)
        && "text/html".equals(answer.header("content-type"))
        && "close".equalsIgnoreCase(answer.header("connection"))
        && answer.bodyText().startsWith("<h1>" + answer.status());
  }

  private static String dagoAnswerProblem(HttpCase request, RawHttp.Answer answer) {
    int status = answer.status();
    if (status >= 500) {
      return "a server error";
    }
    if (!(status >= 200 && status < 300) && !(status >= 400 && status < 500)) {
      return "status " + status + " is neither 2xx nor 4xx";
    }
    String type = answer.header("content-type");
    boolean metrics = status == 200 && type != null && type.startsWith("text/plain")
        && request.target() != null && request.target().startsWith("/metrics");
    if (metrics) {
      return null;
    }
    if (type == null || !type.startsWith("application/json")) {
      return "content type " + type + ", not application/json";
    }
    if (request.head()) {
      return answer.body().length == 0 ? null : "a HEAD answer with a body";
    }
    Object json;
    try {
      json = Json.parse(answer.body());
    } catch (InvalidJsonException e) {
      return "a body that is not JSON: " + e.getMessage();
    }
    if (!(json instanceof Map<?, ?> body)) {
      return "a body that is not a JSON object";
    }
    if (status < 300) {
      return null;
    }
    if (!(body.get("error") instanceof Map<?, ?> error)) {
      return "a 4xx without an 'error' object";
    }
    if (!(error.get("code") instanceof String code) || code.isEmpty()) {
      return "an error without a code";
    }
    if (!(error.get("message") instanceof String message) || message.isEmpty()) {
      return "an error without a message";
    }
    Set<String> allowed = CODES.get(status);
    if (allowed == null || !allowed.contains(code)) {
      return "error code '" + code + "' with status " + status + " (the README pairs " + status + " with "
          + allowed + ")";
    }
    if (code.equals("invalid_graph")) {
      if (!(error.get("details") instanceof List<?> details) || details.isEmpty()) {
        return "invalid_graph without details";
      }
      for (Object detail : details) {
        if (!(detail instanceof Map<?, ?> d) || !(d.get("path") instanceof String path) || !path.startsWith("$")
            || !(d.get("message") instanceof String)) {
          return "an invalid_graph detail that is not {path, message}: " + detail;
        }
      }
    }
    if (status == 405 && answer.header("allow") == null) {
      return "a 405 without an Allow header";
    }
    if (status == 401 && !"Bearer".equals(answer.header("www-authenticate"))) {
      return "a 401 without WWW-Authenticate: Bearer";
    }
    return null;
  }
}
