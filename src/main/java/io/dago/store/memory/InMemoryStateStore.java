package io.dago.store.memory;

import io.dago.state.Event;
import io.dago.state.GraphPage;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.store.EventBus;
import io.dago.store.StateStore;
import io.dago.store.TaskQueue;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The embedded state store. Each run is its own lock: a mutation, the publishing of its events and the enqueueing
 * of the nodes it made ready happen under the run's monitor, which is all the ordering the {@link StateStore}
 * contract asks for, and graphs never contend with each other.
 */
public final class InMemoryStateStore implements StateStore {
  /** Newest first: graph ids are time-ordered, so reverse id order is reverse submission order. */
  private final ConcurrentSkipListMap<String, GraphRun> graphs = new ConcurrentSkipListMap<>(Comparator.reverseOrder());
  private final ConcurrentHashMap<String, Submission> byIdempotencyKey = new ConcurrentHashMap<>();
  private final EventBus events;
  private final TaskQueue queue;
  private final Retention retention;
  /** Finished graphs, oldest first, so that memory holds no more of them than {@link Retention} allows. */
  private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
  private final AtomicInteger finishedCount = new AtomicInteger();
  private final ConcurrentHashMap<String, String> idempotencyKeyOf = new ConcurrentHashMap<>();

  private record Submission(String graphId, String fingerprint) {}

  private record Finished(String graphId, Instant at) {}

  /**
   * How long finished graphs stay: at most {@code maxFinished} of them, none older than {@code ttl}; the oldest go
   * first, with their events and idempotency keys.
   */
  public record Retention(int maxFinished, Duration ttl, InstantSource clock) {
    public static final Retention FOREVER = new Retention(Integer.MAX_VALUE, Duration.ofDays(365L * 10_000),
        InstantSource.system());
  }

  /** Keeps every graph for the life of the process; for tests. */
  public InMemoryStateStore(EventBus events, TaskQueue queue) {
    this(events, queue, Retention.FOREVER);
  }

  public InMemoryStateStore(EventBus events, TaskQueue queue, Retention retention) {
    this.events = events;
    this.queue = queue;
    this.retention = retention;
  }

  @Override
  public Created create(GraphRun run, Map<String, Object> document, String idempotencyKey, String fingerprint) {
    if (idempotencyKey != null) {
      Submission mine = new Submission(run.id(), fingerprint);
      Submission first = byIdempotencyKey.putIfAbsent(idempotencyKey, mine);
      if (first != null) {
        return new Created(first.graphId(), false, first.fingerprint().equals(fingerprint));
      }
      idempotencyKeyOf.put(run.id(), idempotencyKey);
    }
    synchronized (run) {
      graphs.put(run.id(), run);
      publish(run);
    }
    return new Created(run.id(), true, true);
  }

  @Override
  public <T> Optional<T> update(String graphId, TaskQueue.Task done, Function<GraphRun, T> mutation) {
    GraphRun run = graphs.get(graphId);
    try {
      if (run == null) {
        return Optional.empty();
      }
      boolean ended = false;
      try {
        synchronized (run) {
          boolean wasRunning = !run.status().isTerminal();
          try {
            return Optional.ofNullable(mutation.apply(run));
          } finally {
            publish(run);
            ended = wasRunning && run.status().isTerminal();
          }
        }
      } finally {
        if (ended) {
          retire(run.id());
        }
      }
    } finally {
      if (done != null) {
        queue.ack(done);
      }
    }
  }

  /** Notes a graph that just finished, and forgets the finished graphs past what the retention allows. */
  private void retire(String graphId) {
    Instant now = retention.clock().instant();
    finished.add(new Finished(graphId, now));
    finishedCount.incrementAndGet();
    Instant oldestKept = now.minus(retention.ttl());
    for (Finished oldest; (oldest = finished.peek()) != null; ) {
      if (finishedCount.get() <= retention.maxFinished() && !oldest.at().isBefore(oldestKept)) {
        return;
      }
      if (finished.remove(oldest)) {
        finishedCount.decrementAndGet();
        graphs.remove(oldest.graphId());
        events.remove(oldest.graphId());
        String key = idempotencyKeyOf.remove(oldest.graphId());
        if (key != null) {
          byIdempotencyKey.remove(key);
        }
      }
    }
  }

  /** Never behind: this store is the only one. */
  @Override
  public <T> Optional<T> latest(String graphId, Function<GraphRun, T> reading) {
    return inspect(graphId, reading);
  }

  /** Never behind: this store is the only one. */
  @Override
  public Optional<GraphStatus> statusSeen(String graphId) {
    return inspect(graphId, GraphRun::status);
  }

  /** Under the run's monitor, as every change: a change is stored as soon as it is made. */
  @Override
  public <T> Optional<T> inspect(String graphId, Function<GraphRun, T> reading) {
    GraphRun run = graphs.get(graphId);
    if (run == null) {
      return Optional.empty();
    }
    synchronized (run) {
      return Optional.ofNullable(reading.apply(run));
    }
  }

  @Override
  public GraphPage list(GraphStatus status, int limit, String cursor) {
    Map<String, GraphRun> from = cursor == null ? graphs : graphs.tailMap(cursor, false);
    List<GraphView.Summary> page = new ArrayList<>(Math.min(limit, 100));
    String last = null;
    for (GraphRun run : from.values()) {
      GraphView.Summary summary;
      synchronized (run) {
        summary = run.summary();
      }
      if (status != null && summary.status() != status) {
        continue;
      }
      if (page.size() == limit) {
        return new GraphPage(page, last);
      }
      page.add(summary);
      last = run.id();
    }
    return new GraphPage(page, null);
  }

  private void publish(GraphRun run) {
    List<Event.Draft> drafts = run.drainEvents();
    if (!drafts.isEmpty()) {
      events.append(run.id(), drafts);
    }
    for (GraphRun.Dispatch dispatch : run.drainDispatches()) {
      queue.offer(run.id(), dispatch);
    }
  }
}
