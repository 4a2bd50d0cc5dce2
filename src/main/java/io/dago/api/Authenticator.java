package io.dago.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Whether a caller presented one of the configured bearer tokens ({@code DAGO_API_TOKENS}); the one rule for the
 * HTTP, gRPC and WebSocket APIs, which reach it through {@link AccessGate}.
 *
 * <p>Timing. Only SHA-256 digests of the tokens are kept, and a presented token is hashed and compared with every one
 * of them by {@link MessageDigest#isEqual}, without stopping at a match. The comparison then always runs over 32
 * bytes in constant time, so how long it takes says nothing about the length or content of a configured token: a
 * caller can only learn how long its own token takes to hash. Digests also give each token an identity that is not
 * the token itself, for rate limiting keys.
 *
 * <p>Thread-safe and immutable.
 */
public final class Authenticator {
  private static final String BEARER = "Bearer";

  /** A configured token: its digest, and the digest in hex as the caller's identity. */
  private record Known(byte[] digest, String id) {}

  private final List<Known> tokens;

  /** @param tokens the tokens that let callers in; empty for none, when {@link #required()} is false */
  public Authenticator(List<String> tokens) {
    this.tokens = tokens.stream().map(token -> {
      byte[] digest = sha256(token);
      return new Known(digest, HexFormat.of().formatHex(digest));
    }).toList();
  }

  /** Whether any token is configured, that is whether callers need one. */
  public boolean required() {
    return !tokens.isEmpty();
  }

  /**
   * The token in an {@code Authorization} header value: {@code Bearer <token>}, the scheme in any case (RFC 9110).
   *
   * @return the token, or null when the header is absent, of another scheme or without a token
   */
  public static String bearerToken(String authorization) {
    if (authorization == null || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
        || authorization.charAt(BEARER.length()) != ' ') {
      return null;
    }
    String token = authorization.substring(BEARER.length() + 1).strip();
    return token.isEmpty() ? null : token;
  }

  /**
   * Checks a presented token in constant time (see the class comment).
   *
   * @param token the bare token, or null when the caller sent none
   * @return the caller's identity, the hex SHA-256 digest of the token that matched, safe to use as a map key and
   *     in memory (never log it either); null when the token is missing or matches none
   */
  public String authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    byte[] presented = sha256(token);
    String match = null;
    for (Known known : tokens) {
      if (MessageDigest.isEqual(known.digest(), presented)) {
        match = known.id();
      }
    }
    return match;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
