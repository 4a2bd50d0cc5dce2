package io.dago.store.redis;

import io.dago.state.GraphRun;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The runs this instance keeps in memory, least recently used first out. An evicted run is marked, so that a thread
 * that took it just before carries its change to the fresh copy instead.
 */
final class LoadedGraphs {
  private final LinkedHashMap<String, Entry> byId;

  /**
   * A run and how far into its log it is; guarded by its lock, but for the changes waiting for it. A lock rather than a
   * monitor: the workers that queue on it are virtual threads, which park and wake more cheaply on a lock.
   */
  static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    /**
     * Its write side is held, besides the lock, while the run changes; {@link RedisStateStore#inspect} takes the read
     * side alone, so that it does not wait for the round trip of a commit in flight, during which the run does not
     * change.
     */
    final ReentrantReadWriteLock changing = new ReentrantReadWriteLock();
    final GraphRun run;
    final StoredGraph stored;
    final ConcurrentLinkedQueue<RedisStateStore.Change<?>> waiting = new ConcurrentLinkedQueue<>();
    long lastSeq;
    volatile boolean evicted;

    Entry(GraphRun run, StoredGraph stored, long lastSeq) {
      this.run = run;
      this.stored = stored;
      this.lastSeq = lastSeq;
    }
  }

  LoadedGraphs(int capacity) {
    this.byId = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, LoadedGraphs.Entry> eldest) {
        if (size() > capacity) {
          eldest.getValue().evicted = true;
          return true;
        }
        return false;
      }
    };
  }

  synchronized Entry get(String graphId) {
    return byId.get(graphId);
  }

  /** Keeps the entry unless another thread loaded the same graph first; returns the one kept. */
  synchronized Entry putIfAbsent(Entry entry) {
    Entry existing = byId.get(entry.run.id());
    if (existing != null) {
      return existing;
    }
    byId.put(entry.run.id(), entry);
    return entry;
  }
}
