package io.dago.api.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.dago.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's only {@link HttpHandler}: routes the exchange, runs the handler, turns failures into error
 * responses, writes the JSON answer and logs one access line.
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
  private final long discardBudget;
  private final HttpObserver observer;

  Dispatcher(Router router, ExceptionMapping exceptions, long maxBodyBytes) {
    this(router, exceptions, maxBodyBytes, HttpObserver.NONE);
  }

  Dispatcher(Router router, ExceptionMapping exceptions, long maxBodyBytes, HttpObserver observer) {
    this.router = router;
    this.exceptions = exceptions;
    this.maxBodyBytes = maxBodyBytes;
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
        Router.Match match = router.match(method, exchange.getRequestURI().getRawPath());
        route = match.template().text();
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
