package io.dago.engine;

import java.security.SecureRandom;
import java.time.InstantSource;

/**
 * Graph ids: 26 characters of Crockford base32, URL-safe, sortable by creation time (48 bits of milliseconds
 * first) and unguessable (80 random bits after). Lexical order is time order, which listings rely on.
 */
final class GraphIds {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private final SecureRandom random = new SecureRandom();
  private final InstantSource clock;

  GraphIds(InstantSource clock) {
    this.clock = clock;
  }

  String next() {
    long millis = clock.millis();
    byte[] bits = new byte[10];
    random.nextBytes(bits);
    char[] id = new char[26];
    for (int i = 9; i >= 0; i--) {
      id[i] = ALPHABET[(int) (millis & 31)];
      millis >>>= 5;
    }
    // 80 random bits -> 16 characters of 5 bits each.
    long high = 0;
    for (int i = 0; i < 5; i++) {
      high = (high << 8) | (bits[i] & 0xff);
    }
    long low = 0;
    for (int i = 5; i < 10; i++) {
      low = (low << 8) | (bits[i] & 0xff);
    }
    for (int i = 17; i >= 10; i--) {
      id[i] = ALPHABET[(int) (high & 31)];
      high >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      id[i] = ALPHABET[(int) (low & 31)];
      low >>>= 5;
    }
    return new String(id);
  }
}
