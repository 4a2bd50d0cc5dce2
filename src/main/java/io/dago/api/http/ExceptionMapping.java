package io.dago.api.http;

import io.dago.api.ApiJson;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns exceptions into error responses: the first mapping whose type matches wins. Anything unmapped is a fault
 * of ours: it is logged with its stack trace under a fresh error id, and the client gets a 500 that quotes only the
 * id, never the exception.
 */
final class ExceptionMapping {
  private static final Logger LOG = Logger.getLogger(ExceptionMapping.class.getName());

  private record Entry<T extends Exception>(Class<T> type, Function<? super T, Response> toResponse) {
    Response apply(Exception e) {
      return toResponse.apply(type.cast(e));
    }
  }

  private final List<Entry<?>> entries = new ArrayList<>();

  /** Maps the type to the status and code, with the exception's own message. */
  <T extends Exception> ExceptionMapping map(Class<T> type, int status, String code) {
    return map(type, e -> Response.error(status, code, e.getMessage()));
  }

  <T extends Exception> ExceptionMapping map(Class<T> type, Function<? super T, Response> toResponse) {
    entries.add(new Entry<>(type, toResponse));
    return this;
  }

  /** @param where the request being served, for the log */
  Response toResponse(Exception e, String where) {
    for (Entry<?> entry : entries) {
      if (entry.type().isInstance(e)) {
        return entry.apply(e);
      }
    }
    return internalError(e, where);
  }

  static Response internalError(Throwable e, String where) {
    String errorId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    LOG.log(Level.SEVERE, e, () -> "unexpected error " + errorId + " serving " + where);
    return Response.of(500, ApiJson.apiError("internal",
        "an unexpected error occurred; report error id " + errorId + " to the operator",
        Map.of("error_id", errorId)));
  }
}
