package io.dago.api.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.dago.api.AccessGate;
import io.dago.api.Authenticator;
import io.dago.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's only {@link HttpHandler}: routes the exchange, asks the {@link AccessGate} (except for public routes),
 * runs the handler, turns failures into error responses, writes the JSON answer and logs one access line.
 *
 * <p>The gate is asked before an unknown path or method is answered 404 or 405 too, so that a caller without a
 * token learns nothing about the routes.
 *
 * <p>Keep-alive hazard: the JDK server reuses a connection only when the request body was read to its end and the
 * response body was closed. So every exchange, whatever happened, has its leftover body discarded and is closed
 * here. Discarding stops at twice the body limit: a client that sent a little too much gets its 413 on a connection
 * that stays usable (and reads it, instead of a reset while it is still writing), while a body larger than that
 * gets {@code Connection: close} rather than being read for nothing.
 */
final class Dispatcher implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());
  private static final String NO_ROUTE = "-";

  private final Router router;
  private final ExceptionMapping exceptions;
  private final long maxBodyBytes;
  private final int maxHeaderBytes;
  private final long discardBudget;
  private final HttpObserver observer;
  private final AccessGate gate;

  Dispatcher(Router router, ExceptionMapping exceptions, long maxBodyBytes) {
    this(router, exceptions, maxBodyBytes, HttpObserver.NONE);
  }

  Dispatcher(Router router, ExceptionMapping exceptions, long maxBodyBytes, HttpObserver observer) {
    this(router, exceptions, maxBodyBytes, Integer.MAX_VALUE, observer);
  }

  /** @param maxHeaderBytes a larger request line and header block is answered 431 */
  Dispatcher(Router router, ExceptionMapping exceptions, long maxBodyBytes, int maxHeaderBytes,
      HttpObserver observer) {
    this(router, exceptions, maxBodyBytes, maxHeaderBytes, observer, AccessGate.OPEN);
  }

  /** @param gate asked about every request to a route that is not public */
  Dispatcher(Router router, ExceptionMapping exceptions, long maxBodyBytes, int maxHeaderBytes,
      HttpObserver observer, AccessGate gate) {
    this.gate = gate;
    this.router = router;
    this.exceptions = exceptions;
    this.maxBodyBytes = maxBodyBytes;
    this.maxHeaderBytes = maxHeaderBytes;
    this.observer = observer;
    this.discardBudget = maxBodyBytes > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * maxBodyBytes;
  }

  @Override
  public void handle(HttpExchange exchange) {
    long started = System.nanoTime();
    String method = exchange.getRequestMethod();
    String route = NO_ROUTE;
    int status = 0;
    try (exchange) {
      Response response;
      byte[] body;
      try {
        checkHeaderSize(exchange);
        Router.Match match;
        try {
          match = router.match(method, exchange.getRequestURI().getRawPath());
        } catch (HttpError unrouted) {
          admit(exchange);
          throw unrouted;
        }
        route = match.template().text();
        if (!match.open()) {
          admit(exchange);
        }
        response = match.handler().handle(new Request(exchange, match.params(), maxBodyBytes));
        body = response.body() instanceof Response.Text text
            ? text.content().getBytes(StandardCharsets.UTF_8)
            : Json.write(response.body());
      } catch (IOException e) {
        throw e;
      } catch (Exception e) {
        // InterruptedException lands here too, when stop() cuts a long poll short. Its flag stays cleared on
        // purpose: socket writes on an interrupted virtual thread close the socket, and the thread ends right after.
        response = exceptions.toResponse(e, method + " " + exchange.getRequestURI());
        body = Json.write(response.body());
      }
      boolean drained = RequestBody.discardRest(exchange, discardBudget);
      send(exchange, response, body, drained);
      status = response.status();
    } catch (IOException e) {
      LOG.log(Level.FINE, e, () -> "connection from " + exchange.getRemoteAddress() + " failed during "
          + method + " " + exchange.getRequestURI().getRawPath());
    } catch (RuntimeException e) {
      // Only mapping or writing an error can fail here; the exchange is then closed without an answer.
      ExceptionMapping.internalError(e, method + " " + exchange.getRequestURI());
    } finally {
      observer.requestFinished(NO_ROUTE.equals(route) ? null : route, method, status, System.nanoTime() - started);
      if (LOG.isLoggable(Level.FINE)) {
        long millis = (System.nanoTime() - started) / 1_000_000;
        LOG.fine(method + " " + route + " " + (status == 0 ? "aborted" : status) + " " + millis + "ms");
      }
    }
  }

  /**
   * The request line and headers as sent, give or take whitespace: the JDK hands over only what it parsed, and has
   * already closed the connection of a block over twice the limit (see {@link ConnectionLimits}).
   */
  private void checkHeaderSize(HttpExchange exchange) {
    long size = exchange.getRequestMethod().length() + exchange.getRequestURI().getRawPath().length()
        + exchange.getProtocol().length() + 4;
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null) {
      size += query.length() + 1;
    }
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      for (String value : header.getValue()) {
        size += header.getKey().length() + value.length() + 4;
      }
    }
    if (size > maxHeaderBytes) {
      throw HttpError.headersTooLarge(size, maxHeaderBytes);
    }
  }

  /** @throws HttpError 401 or 429 when the gate refuses the request */
  private void admit(HttpExchange exchange) {
    AccessGate.Verdict verdict = gate.check(AccessGate.Api.HTTP,
        Authenticator.bearerToken(exchange.getRequestHeaders().getFirst("Authorization")),
        exchange.getRemoteAddress().getAddress());
    if (!verdict.admitted()) {
      throw switch (verdict.refusal()) {
        case UNAUTHORIZED -> HttpError.unauthorized(verdict.message());
        case RATE_LIMITED -> HttpError.rateLimited(verdict.message(), verdict.retryAfterSeconds());
      };
    }
  }

  private static void send(HttpExchange exchange, Response response, byte[] body, boolean keepAlive)
      throws IOException {
    Headers headers = exchange.getResponseHeaders();
    headers.set("Content-Type", "application/json");
    response.headers().forEach(headers::set);
    if (!keepAlive) {
      headers.set("Connection", "close");
    }
    // No route answers HEAD, but its 405 must still come without a body.
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(response.status(), head ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      if (!head) {
        out.write(body);
      }
    }
  }
}
