package io.dago.api;

import io.dago.config.Limits;
import java.time.Duration;
import java.util.Objects;

/**
 * How the three APIs serve their connections: in the clear or over TLS, and what bounds a connection's requests
 * in size and in time, so that one slow or hostile client holds neither a thread nor memory for long.
 *
 * @param tls the certificate and key for HTTPS, WSS and gRPC over TLS; null serves plain connections
 * @param maxHeaderBytes the largest request header block (HTTP request line and headers, the WebSocket handshake,
 *     gRPC metadata)
 * @param idleTimeout how long a connection with no request in progress stays open
 * @param requestTimeout how long a client may take to send a whole request, from its first byte (TLS handshake,
 *     headers and body; a WebSocket's handshake)
 */
public record Transport(TlsMaterial tls, int maxHeaderBytes, Duration idleTimeout, Duration requestTimeout) {

  public Transport {
    if (maxHeaderBytes < 1) {
      throw new IllegalArgumentException("maxHeaderBytes must be positive, was " + maxHeaderBytes);
    }
    requirePositive(idleTimeout, "idleTimeout");
    requirePositive(requestTimeout, "requestTimeout");
  }

  /** The configured limits, over TLS when {@code tls} is not null. */
  public static Transport of(TlsMaterial tls, Limits limits) {
    return new Transport(tls, limits.maxHeaderBytes(), limits.idleTimeout(), limits.requestTimeout());
  }

  /** Plain connections with the default limits. */
  public static Transport plain() {
    return of(null, Limits.defaults());
  }

  public boolean secure() {
    return tls != null;
  }

  private static void requirePositive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + duration);
    }
  }
}
