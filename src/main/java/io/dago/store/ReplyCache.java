package io.dago.store;

import io.dago.llm.LlmResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Model replies kept for reuse by nodes with {@code "cache": true}, keyed by everything that shapes a reply (see
 * {@link CacheKey}).
 *
 * <p>Contract: the cache is an optimisation, never a source of truth. Implementations are thread-safe, and a cache
 * that cannot be read or written (a Redis outage) behaves as one that holds nothing: {@link #get} answers empty and
 * {@link #put} does nothing, neither throws, so a node never fails because of its cache. A reply may be forgotten
 * before its TTL (evicted to stay within bounds) but is never returned after it.
 */
public interface ReplyCache {

  /** A stored reply for this key, or empty. */
  Optional<LlmResponse> get(CacheKey key);

  /**
   * Stores a reply for {@code ttl}, replacing any stored under the same key.
   *
   * @throws IllegalArgumentException when {@code ttl} is zero or negative: a caller's mistake, not a cache failure
   */
  void put(CacheKey key, LlmResponse response, Duration ttl);
}
