package io.dago.api.http;

import java.util.Map;

/**
 * A request the HTTP layer itself refuses before the orchestrator sees it: no such route, wrong method, bad
 * query parameter or header, body too large or not JSON. It carries its own status and code; domain errors are
 * mapped in {@link HttpApi} instead.
 */
final class HttpError extends RuntimeException {
  private final int status;
  private final String code;
  private final Map<String, String> headers;

  private HttpError(int status, String code, String message, Map<String, String> headers) {
    // A refusal is an expected answer, not a fault: no stack trace to fill in on every bad request.
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  static HttpError badRequest(String message) {
    return new HttpError(400, "invalid_request", message, Map.of());
  }

  static HttpError notFound(String message) {
    return new HttpError(404, "not_found", message, Map.of());
  }

  /** @param allow the methods the route does accept, as the {@code Allow} header lists them */
  static HttpError methodNotAllowed(String method, String template, String allow) {
    return new HttpError(405, "method_not_allowed",
        method + " is not allowed on " + template + "; allowed: " + allow, Map.of("Allow", allow));
  }

  /** No valid bearer token; the same answer whether it was missing or wrong. */
  static HttpError unauthorized(String message) {
    return new HttpError(401, "unauthorized", message, Map.of("WWW-Authenticate", "Bearer"));
  }

  static HttpError rateLimited(String message, long retryAfterSeconds) {
    return new HttpError(429, "rate_limited", message, Map.of("Retry-After", Long.toString(retryAfterSeconds)));
  }

  static HttpError payloadTooLarge(long maxBodyBytes) {
    return new HttpError(413, "payload_too_large",
        "the request body is larger than the limit of " + maxBodyBytes + " bytes", Map.of());
  }

  /** @param maxHeaderBytes the limit, {@code DAGO_MAX_HEADER_BYTES} */
  static HttpError headersTooLarge(long headerBytes, int maxHeaderBytes) {
    return new HttpError(431, "headers_too_large", "the request line and headers are " + headerBytes
        + " bytes, more than the limit of " + maxHeaderBytes + " bytes", Map.of());
  }

  static HttpError unsupportedMediaType(String contentType) {
    return new HttpError(415, "unsupported_media_type",
        "the request body must be application/json, not " + (contentType == null ? "untyped" : "'" + contentType + "'"),
        Map.of());
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  Map<String, String> headers() {
    return headers;
  }
}
