package io.dago.trace;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C Trace Context position: the trace a graph belongs to and the span that asked for it.
 *
 * <p>A graph keeps the {@code traceparent} its submitter sent (or starts a new trace), and every model call it
 * makes carries a child {@code traceparent}: same trace id, a new span id, so the call can be found in the
 * provider's or a proxy's logs.
 *
 * @param traceId 32 lowercase hex characters, not all zeros
 * @param spanId 16 lowercase hex characters, not all zeros
 * @param flags the trace flags byte as two hex characters ({@code 01} = sampled)
 */
public record TraceContext(String traceId, String spanId, String flags) {
  private static final HexFormat HEX = HexFormat.of();

  /** A new trace, sampled, for a graph submitted without a {@code traceparent}. */
  public static TraceContext newTrace() {
    return new TraceContext(randomHex(16), randomHex(8), "01");
  }

  /**
   * Reads a {@code traceparent} header. As the W3C recommends, a value that does not parse is not an error: the
   * caller starts a new trace instead.
   *
   * @return the parsed context, or null when the header is absent or malformed
   */
  public static TraceContext parse(String traceparent) {
    if (traceparent == null) {
      return null;
    }
    String value = traceparent.trim();
    // version "-" trace-id "-" parent-id "-" flags; future versions may append fields after another "-".
    if (value.length() < 55 || value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
      return null;
    }
    String version = value.substring(0, 2);
    String traceId = value.substring(3, 35);
    String spanId = value.substring(36, 52);
    String flags = value.substring(53, 55);
    if (!isHex(version) || version.equals("ff") || !isHex(traceId) || !isHex(spanId) || !isHex(flags)
        || isZero(traceId) || isZero(spanId) || (version.equals("00") && value.length() != 55)) {
      return null;
    }
    return new TraceContext(traceId, spanId, flags);
  }

  /** A child span of this one: the id for one model call. */
  public TraceContext child() {
    return new TraceContext(traceId, randomHex(8), flags);
  }

  /** The {@code traceparent} header value for this position. */
  public String traceparent() {
    return "00-" + traceId + "-" + spanId + "-" + flags;
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    do {
      ThreadLocalRandom.current().nextBytes(random);
    } while (isZero(random));
    return HEX.formatHex(random);
  }

  private static boolean isHex(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isZero(String hex) {
    return hex.chars().allMatch(c -> c == '0');
  }

  private static boolean isZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
}
