package io.dago.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A token bucket per caller ({@code DAGO_RATE_LIMIT} requests a second, {@code DAGO_RATE_BURST} at once), shared by
 * the HTTP, gRPC and WebSocket APIs through {@link AccessGate}.
 *
 * <p>Design. Each bucket is one {@link AtomicLong}: the time at which it will be full again (the "theoretical arrival
 * time" of the generic cell rate algorithm, which is a token bucket written down as a single number). A request
 * moves that time one {@code interval} later, unless it would then lie more than {@code burst} intervals ahead of
 * now; then the request is refused, and the excess is how long the caller must wait. So a request costs one map
 * lookup and one compare-and-set, and takes no lock.
 *
 * <p>Memory. A bucket whose full time has passed is exactly a new bucket, so dropping it loses nothing. New keys sweep
 * such buckets out now and then ({@link #SWEEP_EVERY}), which is how idle callers disappear. A flood of new keys
 * (client addresses when the API is open) cannot grow the map past {@code maxKeys}: once it is that full, a sweep
 * drops the buckets nearest to full (those used least lately, and least) until a quarter of the room is free again.
 * The sweep runs on the request that found the map full, at most one at a time; others carry on meanwhile. Its
 * cost, a sort of the map, comes once per {@code maxKeys / 4} new keys. The price of the cap: a caller whose bucket was
 * dropped starts over with a full one, so a flood of more than {@code maxKeys} addresses is limited only loosely
 * (which is why an open API keys IPv6 clients by their /64, see {@link AccessGate}).
 *
 * <p>A request that races with a sweep dropping its bucket is counted in the dropped bucket: the caller gets at most
 * one request more than its due.
 */
public final class RateLimiter {
  /** Keys held before those nearest to full are dropped; about 200 bytes each. */
  public static final int DEFAULT_MAX_KEYS = 65_536;
  static final long SWEEP_EVERY = TimeUnit.MINUTES.toNanos(1);

  private final long interval;
  private final long tolerance;
  private final LongSupplier nanoTime;
  private final int maxKeys;
  private final ConcurrentHashMap<String, AtomicLong> buckets = new ConcurrentHashMap<>();
  private final ReentrantLock sweeping = new ReentrantLock();
  private volatile long nextSweep;

  /**
   * @param perSecond requests a second each key may make, above 0
   * @param burst requests a key may make at once, at least 1
   * @param nanoTime {@link System#nanoTime} or, in tests, a fake
   * @param maxKeys keys held at most, at least 4
   */
  public RateLimiter(double perSecond, int burst, LongSupplier nanoTime, int maxKeys) {
    if (!(perSecond > 0) || burst < 1 || maxKeys < 4) {
      throw new IllegalArgumentException("a rate limit needs a rate above 0, a burst of at least 1 and room for 4 "
          + "keys, was " + perSecond + "/s, burst " + burst + ", " + maxKeys + " keys");
    }
    this.interval = Math.max(1, Math.round(TimeUnit.SECONDS.toNanos(1) / perSecond));
    // Saturates rather than overflows; a tolerance of a century is as good as infinite.
    this.tolerance = (long) Math.min((double) burst * interval, Long.MAX_VALUE / 4.0);
    this.nanoTime = nanoTime;
    this.maxKeys = maxKeys;
    this.nextSweep = nanoTime.getAsLong() + SWEEP_EVERY;
  }

  public RateLimiter(double perSecond, int burst) {
    this(perSecond, burst, System::nanoTime, DEFAULT_MAX_KEYS);
  }

  /**
   * Takes one request from the key's bucket.
   *
   * @param key who is asking; a digest or an address, never a secret
   * @return 0 when the request may go on; otherwise the nanoseconds until the key may make one, above 0
   */
  public long acquire(String key) {
    long now = nanoTime.getAsLong();
    AtomicLong full = buckets.get(key);
    if (full == null) {
      // Before adding: a new bucket is full, and would be swept out at once.
      maybeSweep(now);
      full = buckets.computeIfAbsent(key, k -> new AtomicLong(now));
    }
    while (true) {
      long current = full.get();
      long next = (current - now > 0 ? current : now) + interval;
      long wait = next - now - tolerance;
      if (wait > 0) {
        return wait;
      }
      if (full.compareAndSet(current, next)) {
        return 0;
      }
    }
  }

  /** Keys held now; for tests. */
  int size() {
    return buckets.size();
  }

  private void maybeSweep(long now) {
    boolean crowded = buckets.size() >= maxKeys;
    if ((crowded || now - nextSweep >= 0) && sweeping.tryLock()) {
      try {
        nextSweep = now + SWEEP_EVERY;
        sweep(now, crowded ? maxKeys - maxKeys / 4 : Integer.MAX_VALUE);
      } finally {
        sweeping.unlock();
      }
    }
  }

  /** Drops every full bucket, then the nearest to full until at most {@code target} are left. */
  private void sweep(long now, int target) {
    List<Map.Entry<String, AtomicLong>> left = new ArrayList<>();
    for (Map.Entry<String, AtomicLong> entry : buckets.entrySet()) {
      if (entry.getValue().get() - now <= 0) {
        buckets.remove(entry.getKey(), entry.getValue());
      } else if (target != Integer.MAX_VALUE) {
        left.add(Map.entry(entry.getKey(), entry.getValue()));
      }
    }
    int excess = buckets.size() - target;
    if (excess <= 0) {
      return;
    }
    // Sorting reads each bucket several times while requests move them; a snapshot keeps the order consistent.
    record Snapshot(String key, AtomicLong bucket, long fullIn) {}
    List<Snapshot> byFullness = new ArrayList<>(left.size());
    for (Map.Entry<String, AtomicLong> entry : left) {
      byFullness.add(new Snapshot(entry.getKey(), entry.getValue(), entry.getValue().get() - now));
    }
    byFullness.sort((a, b) -> Long.compare(a.fullIn(), b.fullIn()));
    for (int i = 0; i < excess && i < byFullness.size(); i++) {
      buckets.remove(byFullness.get(i).key(), byFullness.get(i).bucket());
    }
  }
}
