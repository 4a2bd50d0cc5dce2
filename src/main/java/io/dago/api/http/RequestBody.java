package io.dago.api.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.dago.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;

/**
 * Reads request bodies within the size limit, and discards what a handler left unread.
 *
 * <p>Memory hazard: a body is never held beyond {@code maxBodyBytes + 1} bytes, whatever {@code Content-Length}
 * claims or a chunked body turns out to be: a declared length over the limit is refused before reading, and the
 * count is checked again while reading because chunked bodies declare nothing.
 */
final class RequestBody {
  private static final String JSON = "application/json";

  private RequestBody() {}

  /**
   * Reads a JSON object body.
   *
   * @throws HttpError 413 when the body is over the limit, 415 when it has a type other than JSON
   * @throws io.dago.json.InvalidJsonException when it is not exactly one JSON object (an empty body included)
   */
  static Map<String, Object> readJsonObject(HttpExchange exchange, long maxBodyBytes) throws IOException {
    Headers headers = exchange.getRequestHeaders();
    long declared = declaredLength(headers);
    if (declared > maxBodyBytes) {
      throw HttpError.payloadTooLarge(maxBodyBytes);
    }
    if (hasBody(headers, declared) && !isJson(headers.getFirst("Content-Type"))) {
      throw HttpError.unsupportedMediaType(headers.getFirst("Content-Type"));
    }
    int cap = (int) Math.min(maxBodyBytes + 1, Integer.MAX_VALUE - 8);
    byte[] body = exchange.getRequestBody().readNBytes(cap);
    if (body.length > maxBodyBytes) {
      throw HttpError.payloadTooLarge(maxBodyBytes);
    }
    return Json.parseObject(body);
  }

  /**
   * Reads and drops what is left of the body, up to {@code budget} bytes, so that the connection can serve the
   * next request (the JDK server only reuses a connection whose request was read to its end). A body declared
   * larger than the budget is not read at all: the connection is closed instead.
   *
   * @return true when the body was read to its end and the connection can be kept
   */
  static boolean discardRest(HttpExchange exchange, long budget) throws IOException {
    long declared;
    try {
      declared = declaredLength(exchange.getRequestHeaders());
    } catch (HttpError e) {
      return false;
    }
    if (declared > budget) {
      return false;
    }
    InputStream in = exchange.getRequestBody();
    if (declared == 0) {
      return in.read() < 0;
    }
    byte[] scratch = new byte[8192];
    long left = budget;
    while (left > 0) {
      int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
      if (n < 0) {
        return true;
      }
      left -= n;
    }
    return in.read() < 0;
  }

  /** {@code application/json}, with any parameters, as long as a declared charset is UTF-8 (JSON's only charset). */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";");
    if (parts.length == 0 || !parts[0].strip().equalsIgnoreCase(JSON)) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].split("=", 2);
      if (parameter.length == 2 && parameter[0].strip().equalsIgnoreCase("charset")) {
        String charset = parameter[1].strip().replace("\"", "").toLowerCase(Locale.ROOT);
        if (!charset.equals("utf-8") && !charset.equals("utf8")) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean hasBody(Headers headers, long declared) {
    return declared > 0 || headers.containsKey("Transfer-Encoding");
  }

  /** @return the declared length, or -1 when none is declared */
  private static long declaredLength(Headers headers) {
    String value = headers.getFirst("Content-Length");
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw HttpError.badRequest("the Content-Length header is not a number: '" + value + "'");
    }
  }
}
