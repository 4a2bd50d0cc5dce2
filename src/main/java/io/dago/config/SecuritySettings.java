package io.dago.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Who may call the API and how it is served.
 *
 * @param apiTokens bearer tokens any of which lets a caller in ({@code DAGO_API_TOKENS}); empty: the API is open
 * @param metricsAuth whether {@code /metrics} needs a token too ({@code DAGO_METRICS_AUTH})
 * @param tlsCert PEM certificate chain for HTTPS, WSS and gRPC over TLS ({@code DAGO_TLS_CERT}), or null for plain
 * @param tlsKey PEM private key of that certificate ({@code DAGO_TLS_KEY}), or null
 * @param rateLimit requests per second allowed per token (per client address when the API is open); 0: no limit
 *     ({@code DAGO_RATE_LIMIT})
 * @param rateBurst requests allowed at once above the rate ({@code DAGO_RATE_BURST})
 */
public record SecuritySettings(List<String> apiTokens, boolean metricsAuth, Path tlsCert, Path tlsKey,
    double rateLimit, int rateBurst) {

  public SecuritySettings {
    apiTokens = List.copyOf(apiTokens);
  }

  public static SecuritySettings open() {
    return new SecuritySettings(List.of(), false, null, null, 0, 0);
  }

  public boolean authRequired() {
    return !apiTokens.isEmpty();
  }

  public boolean tls() {
    return tlsCert != null;
  }

  public boolean rateLimited() {
    return rateLimit > 0;
  }

  /** Never prints a token. */
  @Override
  public String toString() {
    return "SecuritySettings[tokens=" + apiTokens.size() + ", metricsAuth=" + metricsAuth + ", tls="
        + (tls() ? tlsCert : "off") + ", rateLimit=" + (rateLimited() ? rateLimit + "/s burst " + rateBurst : "off")
        + "]";
  }
}
