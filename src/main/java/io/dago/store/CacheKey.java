package io.dago.store;

import io.dago.llm.LlmRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Identifies a model reply in the {@link ReplyCache}: the SHA-256 of exactly what shapes it, namely the provider,
 * model, system prompt, rendered prompt, {@code max_tokens} and temperature. The graph id, node id and traceparent
 * of a request are left out on purpose, so that another graph asking the same thing reuses the reply.
 *
 * <p>The encoding hashed is unambiguous: a version byte, then each field in a fixed order, strings as a presence
 * byte followed by their UTF-8 length and bytes, so that no two different requests encode alike (a null system
 * prompt differs from an empty one, and no text can run into the next field).
 *
 * @param hex the digest, 64 lowercase hex digits
 */
public record CacheKey(String hex) {
  /** Bumped whenever the encoding changes, so that replies stored under the old one are never matched again. */
  private static final byte ENCODING_VERSION = 1;
  private static final int HEX_LENGTH = 64;

  public CacheKey {
    if (hex == null || hex.length() != HEX_LENGTH || !hex.chars().allMatch(c -> (c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException("a cache key is " + HEX_LENGTH + " lowercase hex digits, got '" + hex + "'");
    }
  }

  /** The key of {@code request} sent to the provider named {@code provider}. */
  public static CacheKey of(String provider, LlmRequest request) {
    MessageDigest sha256 = sha256();
    sha256.update(ENCODING_VERSION);
    string(sha256, provider);
    string(sha256, request.model());
    string(sha256, request.system());
    string(sha256, request.prompt());
    integer(sha256, request.maxTokens());
    Double temperature = request.temperature();
    if (temperature == null) {
      sha256.update((byte) 0);
    } else {
      sha256.update((byte) 1);
      // -0.0 and 0.0 are the same request; without this their bits would differ.
      long bits = Double.doubleToLongBits(temperature == 0.0 ? 0.0 : temperature);
      integer(sha256, (int) (bits >>> 32));
      integer(sha256, (int) bits);
    }
    return new CacheKey(HexFormat.of().formatHex(sha256.digest()));
  }

  private static void string(MessageDigest sha256, String value) {
    if (value == null) {
      sha256.update((byte) 0);
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    sha256.update((byte) 1);
    integer(sha256, utf8.length);
    sha256.update(utf8);
  }

  private static void integer(MessageDigest sha256, int value) {
    sha256.update(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256, this one does not", e);
    }
  }
}
