package io.dago.store.memory;

import io.dago.llm.LlmResponse;
import io.dago.store.CacheKey;
import io.dago.store.ReplyCache;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The embedded reply cache: at most {@code maxEntries} replies, the least recently used one evicted to make room,
 * each forgotten once its TTL has passed.
 *
 * <p>A {@link LinkedHashMap} in access order under one lock: a lookup reorders the map, so even reads take the lock
 * exclusively. Every operation is a hash lookup and a few pointer moves, far below the cost of the model call it
 * saves, so one lock does not limit throughput. A {@link ReentrantLock} rather than {@code synchronized}, so that
 * virtual threads waiting for it do not pin their carrier on JDK 21. Expired entries are dropped when they are
 * looked up, and otherwise age out of the LRU order like any other; no sweeper is needed.
 */
public final class InMemoryReplyCache implements ReplyCache {
  private final int maxEntries;
  private final LongSupplier nanoTime;
  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<CacheKey, Stored> entries;

  /** A reply and its life, measured on {@link #nanoTime} (differences only, so wrap-around is harmless). */
  private record Stored(LlmResponse response, long storedAt, long ttlNanos) {
    boolean expiredAt(long now) {
      return now - storedAt >= ttlNanos;
    }
  }

  /** @throws IllegalArgumentException when {@code maxEntries} is below 1 */
  public InMemoryReplyCache(int maxEntries) {
    this(maxEntries, System::nanoTime);
  }

  /** @param nanoTime a monotonic clock in nanoseconds, {@link System#nanoTime} but in tests */
  InMemoryReplyCache(int maxEntries, LongSupplier nanoTime) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("a reply cache holds at least 1 entry, was asked for " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.nanoTime = nanoTime;
    // Sized so that the map never rehashes below its bound, but not allocated up front for a huge bound.
    this.entries = new LinkedHashMap<>(Math.min(maxEntries, 1024) * 4 / 3 + 1, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<CacheKey, Stored> eldest) {
        return size() > InMemoryReplyCache.this.maxEntries;
      }
    };
  }

  @Override
  public Optional<LlmResponse> get(CacheKey key) {
    Objects.requireNonNull(key, "key");
    long now = nanoTime.getAsLong();
    lock.lock();
    try {
      Stored entry = entries.get(key);
      if (entry == null) {
        return Optional.empty();
      }
      if (entry.expiredAt(now)) {
        entries.remove(key);
        return Optional.empty();
      }
      return Optional.of(entry.response());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void put(CacheKey key, LlmResponse response, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(response, "response");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a cached reply needs a positive TTL, got " + ttl);
    }
    Stored entry = new Stored(response, nanoTime.getAsLong(), saturatedNanos(ttl));
    lock.lock();
    try {
      entries.put(key, entry);
    } finally {
      lock.unlock();
    }
  }

  /** How many entries are held, expired ones not yet dropped included. */
  int size() {
    lock.lock();
    try {
      return entries.size();
    } finally {
      lock.unlock();
    }
  }

  /** A TTL of centuries means "keep it"; {@link Duration#toNanos} would throw for it. */
  private static long saturatedNanos(Duration ttl) {
    try {
      return ttl.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
