package io.dago.api;

import io.dago.config.SecuritySettings;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Who may call the API, and how often: the one check every HTTP request, gRPC call and WebSocket handshake passes
 * before it is served (the public ones aside: {@code GET /health}, the gRPC health service and, unless
 * {@code DAGO_METRICS_AUTH} is on, {@code GET /metrics}, which are neither authenticated nor limited). Each API
 * only turns a {@link Verdict} into its own kind of answer.
 *
 * <p>The rule: with tokens configured, a caller needs one ({@link Authenticator}); a caller without a valid one is
 * refused whatever else is wrong, and learns nothing of why (a missing token and a wrong one look the same). Then,
 * with a rate limit, each caller takes a request from its bucket ({@link RateLimiter}): a caller is its token
 * (by digest) when tokens are configured, and its address otherwise, IPv6 addresses by their /64, as one host
 * usually holds a whole /64. Behind a proxy every client has the proxy's address; dago trusts no forwarding header.
 *
 * <p>Refusals are counted by the {@link AccessObserver}. Nothing here logs per request, and no token ever leaves
 * this class or {@link Authenticator}.
 */
public final class AccessGate {
  private static final Logger LOG = Logger.getLogger(AccessGate.class.getName());

  /** Lets everyone in, at any rate: an API started without settings, in tests. */
  public static final AccessGate OPEN = new AccessGate(new Authenticator(List.of()), null, false, AccessObserver.NONE);

  /** Which API asked; the {@code interface} label of the refusals metric. */
  public enum Api {
    HTTP, GRPC, WEBSOCKET;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Why a request was refused; {@link #code()} is the HTTP error code and the {@code reason} label. */
  public enum Refusal {
    UNAUTHORIZED("unauthorized"), RATE_LIMITED("rate_limited");

    private final String code;

    Refusal(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /**
   * What the gate decided.
   *
   * @param refusal null when the request may go on
   * @param retryAfterSeconds when refused for the rate, how long the caller should wait, at least 1; else 0
   */
  public record Verdict(Refusal refusal, long retryAfterSeconds) {
    static final Verdict ADMITTED = new Verdict(null, 0);
    static final Verdict UNAUTHORIZED = new Verdict(Refusal.UNAUTHORIZED, 0);

    public boolean admitted() {
      return refusal == null;
    }

    /** The one text every API answers a refusal with; it never says what was wrong with a token. */
    public String message() {
      if (refusal == null) {
        return "admitted";
      }
      return switch (refusal) {
        case UNAUTHORIZED -> "a valid bearer token is required";
        case RATE_LIMITED -> "rate limit exceeded; retry in " + retryAfterSeconds + " s";
      };
    }
  }

  private final Authenticator authenticator;
  private final RateLimiter limiter;
  private final boolean guardsMetrics;
  private final AccessObserver observer;

  /** @param limiter null for no rate limit */
  AccessGate(Authenticator authenticator, RateLimiter limiter, boolean guardsMetrics, AccessObserver observer) {
    this.authenticator = authenticator;
    this.limiter = limiter;
    this.guardsMetrics = guardsMetrics && authenticator.required();
    this.observer = observer;
  }

  /**
   * The gate the settings ask for. Warns when no token is configured and the API listens on more than loopback,
   * where anyone who can reach the address can call it.
   *
   * @param bindAddress what the APIs listen on ({@code DAGO_BIND})
   */
  public static AccessGate create(SecuritySettings security, String bindAddress, AccessObserver observer) {
    Authenticator authenticator = new Authenticator(security.apiTokens());
    RateLimiter limiter = security.rateLimited() ? new RateLimiter(security.rateLimit(), security.rateBurst()) : null;
    if (!authenticator.required() && !isLoopback(bindAddress)) {
      LOG.warning("the API on " + bindAddress + " is open to anyone who can reach it: no token is required. "
          + "Set DAGO_API_TOKENS to require a bearer token, or DAGO_BIND=127.0.0.1 to listen on this host only");
    }
    if (authenticator.required() || limiter != null) {
      LOG.info(() -> "API access: " + (authenticator.required()
          ? "bearer token required (" + security.apiTokens().size() + " configured" + (security.metricsAuth()
              ? ", /metrics included)" : ", /metrics open)")
          : "open") + ", rate limit " + (limiter == null ? "off"
          : security.rateLimit() + "/s burst " + security.rateBurst() + " per "
              + (authenticator.required() ? "token" : "client address")));
    }
    return new AccessGate(authenticator, limiter, security.metricsAuth(), observer);
  }

  /** Whether {@code GET /metrics} goes through the gate, rather than being public as {@code /health} is. */
  public boolean guardsMetrics() {
    return guardsMetrics;
  }

  /**
   * Decides one request. Constant time in the token (see {@link Authenticator}), lock-free otherwise.
   *
   * @param token the bare bearer token the caller presented, or null
   * @param client the caller's address, or null when unknown
   */
  public Verdict check(Api api, String token, InetAddress client) {
    String caller;
    if (authenticator.required()) {
      caller = authenticator.authenticate(token);
      if (caller == null) {
        return refuse(api, Verdict.UNAUTHORIZED);
      }
    } else if (limiter == null) {
      return Verdict.ADMITTED;
    } else {
      caller = addressKey(client);
    }
    if (limiter != null) {
      long wait = limiter.acquire(caller);
      if (wait > 0) {
        long seconds = Math.max(1, (wait + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
        return refuse(api, new Verdict(Refusal.RATE_LIMITED, seconds));
      }
    }
    return Verdict.ADMITTED;
  }

  private Verdict refuse(Api api, Verdict verdict) {
    observer.refused(api, verdict.refusal());
    return verdict;
  }

  /**
   * The bucket key of an unauthenticated caller; never equal to a token's key, which is 64 hex digits without a
   * dot or colon.
   */
  static String addressKey(InetAddress client) {
    if (client == null) {
      return "unknown";
    }
    if (client instanceof Inet6Address) {
      return HexFormat.of().formatHex(client.getAddress(), 0, 8) + "::/64";
    }
    return client.getHostAddress();
  }

  /** Whether the address names this host only: 127.0.0.0/8, ::1 or a name such as {@code localhost}. */
  static boolean isLoopback(String bindAddress) {
    try {
      return InetAddress.getByName(bindAddress).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
