package io.dago.api.http;

/**
 * What the HTTP API reports about the requests it serves, for metrics. Does nothing by default; {@link #NONE} is
 * the observer of an API nobody watches.
 *
 * <p>Called once per exchange on the exchange's thread, after the answer was sent; must be quick and must not
 * throw.
 */
public interface HttpObserver {
  HttpObserver NONE = new HttpObserver() {};

  /**
   * @param route the route template that matched, such as {@code /api/v1/graphs/{id}}, or null when none did
   *     (404, 405); never the raw path, which would carry ids
   * @param method as the client sent it, which may be anything
   * @param status the status sent, or 0 when the connection failed before an answer went out
   */
  default void requestFinished(String route, String method, int status, long nanos) {}
}
