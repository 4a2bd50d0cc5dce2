package io.dago.api.http;

import io.dago.api.Transport;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Hands the transport's limits to the JDK's HTTP server, which takes them only from system properties
 * ({@code sun.net.httpserver.*}, see {@code sun.net.httpserver.ServerConfig}).
 *
 * <p>Hazard: the JDK reads these properties once per process, when its first server is created, and every later
 * server shares them. So {@link #apply} must run before the first {@code HttpServer.create}, and a second dago in
 * the same process (tests) runs with the first one's limits; it logs a warning when it asked for others. A server of
 * some other component created earlier in the process would fix the JDK's defaults instead.
 *
 * <p>What the JDK does with them (JDK 21.0.3 and later; checked against JDK 25's source):
 * <ul>
 *   <li>{@code maxReqTime} (seconds): a connection whose request, from its first byte to the end of its body, takes
 *       longer is closed by a timer, which also fails the read of a handler waiting for the rest of the body. A new
 *       connection that sends nothing is closed after the smaller of this and {@code idleInterval}.
 *   <li>{@code idleInterval} (seconds): a keep-alive connection idle this long is closed.
 *   <li>{@code clockTick}, {@code timerMillis} (milliseconds): how often those two timers look; the JDK's 10 s for
 *       idle connections would let a 1 s idle timeout run for up to 11 s.
 *   <li>{@code maxReqHeaderSize} (bytes, counting 32 more per header line): over it the JDK closes the connection
 *       without an answer. It is set to twice the limit, so that a header block a little over the limit reaches
 *       the {@link Dispatcher}, which answers 431, and only a grossly oversized one is cut off.
 * </ul>
 */
final class ConnectionLimits {
  private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());
  private static final long MIN_TICK_MILLIS = 100;
  private static final long MAX_TICK_MILLIS = 1000;
  /** What the first server in this process set; null until then. Guarded by the class. */
  private static Map<String, String> applied;

  private ConnectionLimits() {}

  /** Sets the properties from the transport, or warns that the JDK already runs with others. */
  static synchronized void apply(Transport transport) {
    Map<String, String> wanted = properties(transport);
    if (applied == null) {
      wanted.forEach(System::setProperty);
      applied = wanted;
    } else if (!applied.equals(wanted)) {
      LOG.warning("the JDK's HTTP server reads its limits once per process; this server keeps " + applied
          + " rather than " + wanted);
    }
  }

  /** The header block the JDK itself refuses by closing the connection. */
  static int hardHeaderCap(int maxHeaderBytes) {
    return maxHeaderBytes > Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE : 2 * maxHeaderBytes;
  }

  private static Map<String, String> properties(Transport transport) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("sun.net.httpserver.maxReqHeaderSize",
        String.valueOf(hardHeaderCap(transport.maxHeaderBytes())));
    properties.put("sun.net.httpserver.maxReqTime", String.valueOf(seconds(transport.requestTimeout())));
    properties.put("sun.net.httpserver.idleInterval", String.valueOf(seconds(transport.idleTimeout())));
    properties.put("sun.net.httpserver.timerMillis", String.valueOf(tick(transport.requestTimeout())));
    properties.put("sun.net.httpserver.clockTick", String.valueOf(tick(transport.idleTimeout())));
    return properties;
  }

  /** Whole seconds, rounded up: the JDK's unit for both timeouts. */
  private static long seconds(Duration duration) {
    return Math.max(1, (duration.toMillis() + 999) / 1000);
  }

  /** A quarter of the timeout, within 100 ms to 1 s: closes land at most a quarter late, at little cost. */
  private static long tick(Duration timeout) {
    return Math.clamp(timeout.toMillis() / 4, MIN_TICK_MILLIS, MAX_TICK_MILLIS);
  }
}
