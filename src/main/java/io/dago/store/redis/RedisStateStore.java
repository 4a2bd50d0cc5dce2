package io.dago.store.redis;

import io.dago.graph.GraphDocuments;
import io.dago.graph.GraphPlan;
import io.dago.state.Event;
import io.dago.state.GraphPage;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.dago.store.StateStore;
import io.dago.store.TaskQueue;
import io.dago.trace.TraceContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.ZRangeParams;

/**
 * Graphs in Redis, shared by every instance.
 *
 * <p>A graph is stored as what never changes (its document, in the graph hash) and its event log (a stream); its
 * state is the fold of the log ({@link GraphRun#restore}). Each instance keeps the runs it touches in memory
 * ({@link LoadedGraphs}) and commits a change optimistically: the change is applied to the cached run, its events,
 * the nodes it made ready and the acknowledgement of the task behind it go to Redis in one script, which refuses
 * when another instance committed first (see {@link Scripts}). Then the change is undone ({@link GraphRun#rollback}),
 * the run catches up with the events it missed, and the change is tried again. A node therefore becomes ready exactly
 * once, even when its last two parents complete at the same moment on two instances.
 */
public final class RedisStateStore implements StateStore {
  private static final Logger LOG = Logger.getLogger(RedisStateStore.class.getName());
  /** Conflicts in a row after which a change gives up: only a bug or a storm of writers gets there. */
  private static final int MAX_CONFLICTS = 1000;
  private static final int LIST_BATCH = 100;

  private final Redis redis;
  private final RedisKeys keys;
  private final RedisEventBus events;
  private final RedisTaskQueue queue;
  private final Settings settings;
  private final LoadedGraphs loaded;
  private final ConcurrentHashMap<String, CompletableFuture<LoadedGraphs.Entry>> inFlightLoads =
      new ConcurrentHashMap<>();

  /**
   * @param stateTtl how long a finished graph stays
   * @param eventsCap how many events a graph's log keeps; the log is the graph's state, so it must exceed what the
   *     largest graph records
   * @param cachedGraphs how many runs this instance keeps in memory
   */
  public record Settings(Duration stateTtl, int eventsCap, int cachedGraphs) {}

  public RedisStateStore(Redis redis, RedisKeys keys, RedisEventBus events, RedisTaskQueue queue,
      Settings settings) {
    this.redis = redis;
    this.keys = keys;
    this.events = events;
    this.queue = queue;
    this.settings = settings;
    this.loaded = new LoadedGraphs(settings.cachedGraphs());
    events.subscribeElsewhere(this::heardFromElsewhere);
  }

  /**
   * Keeps the runs this instance holds up to date with what other instances commit, as the feed tells of it, so
   * that its next change rarely finds its seq taken (a refused commit, a read of the log, a second try). Best effort:
   * an event that is not the next one of its run, or a run busy with a change, is left to the log's catch-up.
   */
  private void heardFromElsewhere(Event event) {
    LoadedGraphs.Entry entry = loaded.get(event.graphId());
    if (entry == null || !entry.lock.tryLock()) {
      return;
    }
    entry.changing.writeLock().lock();
    try {
      if (!entry.evicted && event.seq() == entry.lastSeq + 1) {
        entry.run.apply(event);
        entry.lastSeq = event.seq();
      }
    } finally {
      entry.changing.writeLock().unlock();
      entry.lock.unlock();
    }
  }

  @Override
  public String placeGraph(String idempotencyKey, Supplier<String> newIds) {
    if (idempotencyKey == null) {
      return newIds.get();
    }
    // The key and the graph are written by one script, so they must share a shard (a slot on a cluster).
    int shard = keys.shardOf(idempotencyKey);
    String id = newIds.get();
    while (keys.shardOf(id) != shard) {
      id = newIds.get();
    }
    return id;
  }

  @Override
  public Created create(GraphRun run, Map<String, Object> document, String idempotencyKey, String fingerprint) {
    String id = run.id();
    List<Event> committed = numbered(id, run.drainEvents(), 1);
    List<GraphRun.Dispatch> roots = run.drainDispatches();
    StoredGraph stored = StoredGraph.of(run, document, idempotencyKey);
    int shard = keys.shardOf(id);
    String graphKey = keys.graph(id);
    List<String> scriptKeys = List.of(graphKey, keys.events(id), keys.index(shard), keys.queue(shard),
        idempotencyKey == null ? graphKey : keys.idempotency(idempotencyKey));
    List<String> args = new ArrayList<>(8 + committed.size() + 2 * roots.size());
    args.add(stored.toJson());
    args.add(SummaryCodec.write(run.summary()));
    args.add(id);
    args.add(idempotencyKey == null ? "" : id + " " + fingerprint);
    args.add(Integer.toString(settings.eventsCap()));
    args.add(Integer.toString(committed.size()));
    for (Event event : committed) {
      args.add(EventCodec.write(event));
    }
    args.add(Integer.toString(roots.size()));
    for (GraphRun.Dispatch root : roots) {
      args.add(Integer.toString(root.node()));
      args.add(Integer.toString(root.attempt()));
    }
    Object result = redis.eval(Scripts.CREATE, scriptKeys, args);
    if (!"OK".equals(result)) {
      String[] prior = String.valueOf(result).split(" ", 2);
      return new Created(prior[0], false, prior.length == 2 && prior[1].equals(fingerprint));
    }
    // A worker may have taken a root and loaded the graph from Redis before this line: that copy is at least as far
    // into the log as this one, and may be further, so it stays.
    loaded.putIfAbsent(new LoadedGraphs.Entry(run, stored, committed.size()));
    events.committed(id, committed);
    return new Created(id, true, true);
  }

  @Override
  public <T> Optional<T> update(String graphId, TaskQueue.Task done, Function<GraphRun, T> mutation) {
    Change<T> change = new Change<>(mutation, done);
    for (int tries = 0; tries < MAX_CONFLICTS && !change.finished; tries++) {
      LoadedGraphs.Entry entry = entry(graphId);
      if (entry == null) {
        if (done != null) {
          queue.ack(done);
        }
        return Optional.empty();
      }
      entry.waiting.add(change);
      entry.lock.lock();
      try {
        // Whoever holds the graph commits every change waiting for it: under load one round trip stores many.
        if (!change.finished && !entry.evicted) {
          commitWaiting(entry);
        }
      } finally {
        entry.lock.unlock();
      }
      if (!change.finished) {
        // Its run was evicted before anyone took the change: it goes to the fresh copy.
        entry.waiting.remove(change);
      }
    }
    if (!change.finished) {
      throw new IllegalStateException("graph " + graphId + " kept changing under " + MAX_CONFLICTS + " tries");
    }
    if (change.failure != null) {
      throw change.failure;
    }
    return Optional.ofNullable(change.result);
  }

  /** A change waiting for its graph; {@code finished} once committed (or failed), read after the graph's lock. */
  static final class Change<T> {
    final Function<GraphRun, T> mutation;
    final TaskQueue.Task done;
    T result;
    RuntimeException failure;
    boolean finished;

    Change(Function<GraphRun, T> mutation, TaskQueue.Task done) {
      this.mutation = mutation;
      this.done = done;
    }

    void apply(GraphRun run) {
      result = mutation.apply(run);
    }
  }

  /**
   * Applies the waiting changes in order and commits them in one script; on a conflict, undoes them, catches up and
   * tries again. A change that throws is left out (and its caller gets the exception); the others go on.
   */
  private void commitWaiting(LoadedGraphs.Entry entry) {
    Lock changing = entry.changing.writeLock();
    changing.lock();
    try {
      commitWaiting(entry, changing);
    } finally {
      // Not held only if the commit's round trip ended in an Error, before it was taken back.
      if (entry.changing.isWriteLockedByCurrentThread()) {
        changing.unlock();
      }
    }
  }

  /** @param changing held on entry, and released while the commit's script runs: readers may look meanwhile */
  private void commitWaiting(LoadedGraphs.Entry entry, Lock changing) {
    List<Change<?>> batch = new ArrayList<>();
    for (Change<?> change; (change = entry.waiting.poll()) != null; ) {
      if (!change.finished) {
        batch.add(change);
      }
    }
    GraphRun run = entry.run;
    for (int conflicts = 0; !batch.isEmpty(); conflicts++) {
      if (conflicts == MAX_CONFLICTS) {
        throw new IllegalStateException("graph " + run.id() + " kept changing under " + MAX_CONFLICTS + " tries");
      }
      run.mark();
      Change<?> broken = applyAll(run, batch);
      if (broken != null) {
        // Its half-done change cannot be undone alone: undo all, and apply the others again without it.
        run.rollback();
        batch.remove(broken);
        finish(List.of(broken));
        continue;
      }
      List<Event.Draft> drafts = run.drainEvents();
      List<GraphRun.Dispatch> dispatches = run.drainDispatches();
      List<TaskQueue.Task> acks = new ArrayList<>();
      for (Change<?> change : batch) {
        if (change.done != null) {
          acks.add(change.done);
        }
      }
      if (drafts.isEmpty()) {
        run.release();
        // Nothing changed, which a stale run may decide wrongly: it may not know yet that the node whose outcome
        // this is has started (elsewhere, or through a copy of the run loaded meanwhile). A finished graph changes
        // no more; a running one is checked against the log, and the changes are tried again if it moved on.
        if (!run.status().isTerminal() && catchUp(entry) > 0) {
          continue;
        }
        for (TaskQueue.Task task : acks) {
          queue.ack(task);
        }
        finish(batch);
        return;
      }
      List<Event> committed = numbered(run.id(), drafts, entry.lastSeq + 1);
      boolean ok;
      changing.unlock();
      try {
        ok = commit(entry, committed, dispatches, acks);
      } catch (RuntimeException e) {
        changing.lock();
        run.rollback();
        for (Change<?> change : batch) {
          change.failure = e;
        }
        finish(batch);
        return;
      }
      changing.lock();
      if (ok) {
        run.release();
        entry.lastSeq += committed.size();
        for (TaskQueue.Task task : acks) {
          queue.finished(task);
        }
        events.committed(run.id(), committed);
        finish(batch);
        return;
      }
      run.rollback();
      catchUp(entry);
    }
  }

  /** Applies each change; returns the first that threw, with its exception recorded, or null. */
  private static Change<?> applyAll(GraphRun run, List<Change<?>> batch) {
    for (Change<?> change : batch) {
      try {
        change.apply(run);
      } catch (RuntimeException e) {
        change.failure = e;
        return change;
      }
    }
    return null;
  }

  private static void finish(List<Change<?>> changes) {
    for (Change<?> change : changes) {
      change.finished = true;
    }
  }

  private boolean commit(LoadedGraphs.Entry entry, List<Event> committed, List<GraphRun.Dispatch> dispatches,
      List<TaskQueue.Task> acks) {
    boolean ended = entry.run.status().isTerminal();
    if (committed.size() == 1 && dispatches.isEmpty() && acks.isEmpty() && !ended) {
      return append(entry.run.id(), committed.get(0));
    }
    String id = entry.run.id();
    int shard = keys.shardOf(id);
    String graphKey = keys.graph(id);
    String idempotencyKey = entry.stored.idempotencyKey();
    List<String> scriptKeys = List.of(keys.events(id), keys.queue(shard), keys.delayed(shard), graphKey,
        idempotencyKey == null ? graphKey : keys.idempotency(idempotencyKey));
    List<String> args = new ArrayList<>(8 + committed.size() + 3 * dispatches.size() + acks.size());
    args.add(Long.toString(committed.get(0).seq()));
    args.add(Integer.toString(settings.eventsCap()));
    args.add(id);
    args.add(ended ? SummaryCodec.write(entry.run.summary()) : "");
    args.add(Long.toString(settings.stateTtl().toMillis()));
    args.add(Integer.toString(committed.size()));
    for (Event event : committed) {
      args.add(EventCodec.write(event));
    }
    args.add(Integer.toString(dispatches.size()));
    for (GraphRun.Dispatch dispatch : dispatches) {
      args.add(Integer.toString(dispatch.node()));
      args.add(Integer.toString(dispatch.attempt()));
      args.add(Long.toString(dispatch.delayMs()));
    }
    args.add(Integer.toString(acks.size()));
    for (TaskQueue.Task task : acks) {
      args.add(task.receipt());
    }
    Object result = redis.eval(Scripts.COMMIT, scriptKeys, args);
    return result instanceof Long n && n == 1;
  }

  /**
   * A change that only records one event (a node starting, most often) needs no script: the {@code XADD} at the next
   * seq is itself the check that nobody committed first, as in {@link Scripts#COMMIT}.
   */
  private boolean append(String graphId, Event event) {
    return redis.appendAt(keys.events(graphId), new StreamEntryID(0, event.seq()), settings.eventsCap(),
        Map.of("e", EventCodec.write(event)));
  }

  /** Applies the events other instances committed since this run last saw the log; returns how many. */
  private int catchUp(LoadedGraphs.Entry entry) {
    List<Event> missed = events.history(entry.run.id(), entry.lastSeq);
    entry.changing.writeLock().lock();
    try {
      for (Event event : missed) {
        if (event.seq() != entry.lastSeq + 1) {
          throw new IllegalStateException("the event log of graph " + entry.run.id() + " has a gap after seq "
              + entry.lastSeq + " (trimmed? raise DAGO_EVENTS_MAX_PER_GRAPH)");
        }
        entry.run.apply(event);
        entry.lastSeq = event.seq();
      }
    } finally {
      entry.changing.writeLock().unlock();
    }
    return missed.size();
  }

  @Override
  public <T> Optional<T> latest(String graphId, Function<GraphRun, T> reading) {
    return read(graphId, entry -> {
      // A finished graph changes no more; a running one may have moved on another instance.
      if (!entry.run.status().isTerminal()) {
        catchUp(entry);
      }
      return reading.apply(entry.run);
    });
  }

  /** Under the read side of {@link LoadedGraphs.Entry#changing} alone: a commit's round trip does not hold it up. */
  @Override
  public <T> Optional<T> inspect(String graphId, Function<GraphRun, T> reading) {
    return read(graphId, entry -> entry.changing.readLock(), entry -> reading.apply(entry.run));
  }

  /** Under the graph's lock: a status being committed shows once it is stored. */
  @Override
  public Optional<GraphStatus> statusSeen(String graphId) {
    return read(graphId, entry -> entry.run.status());
  }

  /** Reads a graph's run while holding its lock; empty when there is no such graph or the reading gives null. */
  private <T> Optional<T> read(String graphId, Function<LoadedGraphs.Entry, T> reading) {
    return read(graphId, entry -> entry.lock, reading);
  }

  /** Reads a graph's run while holding the lock {@code lockOf} picks for it. */
  private <T> Optional<T> read(String graphId, Function<LoadedGraphs.Entry, Lock> lockOf,
      Function<LoadedGraphs.Entry, T> reading) {
    LoadedGraphs.Entry entry = entry(graphId);
    if (entry == null) {
      return Optional.empty();
    }
    Lock lock = lockOf.apply(entry);
    lock.lock();
    try {
      return Optional.ofNullable(reading.apply(entry));
    } finally {
      lock.unlock();
    }
  }


  @Override
  public GraphPage list(GraphStatus status, int limit, String cursor) {
    List<GraphView.Summary> merged = new ArrayList<>();
    for (int shard = 0; shard < keys.shards(); shard++) {
      merged.addAll(listShard(shard, status, limit + 1, cursor));
    }
    merged.sort(Comparator.comparing(GraphView.Summary::id).reversed());
    if (merged.size() <= limit) {
      return new GraphPage(merged, null);
    }
    List<GraphView.Summary> page = List.copyOf(merged.subList(0, limit));
    return new GraphPage(page, page.get(limit - 1).id());
  }

  /** Up to {@code wanted} graphs of one shard older than {@code cursor}, newest first. */
  private List<GraphView.Summary> listShard(int shard, GraphStatus status, int wanted, String cursor) {
    List<GraphView.Summary> found = new ArrayList<>();
    String index = keys.index(shard);
    String from = cursor == null ? "+" : "(" + cursor;
    while (found.size() < wanted) {
      String max = from;
      List<String> ids = redis.call(r -> r.zrange(index, ZRangeParams.zrangeByLexParams(max, "-").rev()
          .limit(0, LIST_BATCH)));
      for (String id : ids) {
        String summary = redis.call(r -> r.hget(keys.graph(id), "sum"));
        if (summary == null) {
          // Expired with its graph; the index forgets it too.
          redis.call(r -> r.zrem(index, id));
          continue;
        }
        GraphView.Summary read = SummaryCodec.read(summary);
        if ((status == null || read.status() == status) && found.size() < wanted) {
          found.add(read);
        }
      }
      if (ids.size() < LIST_BATCH) {
        break;
      }
      from = "(" + ids.get(ids.size() - 1);
    }
    return found;
  }

  @Override
  public boolean isUp() {
    return redis.ping();
  }

  @Override
  public String healthName() {
    return "redis";
  }

  /** The run of a graph, from memory or rebuilt from Redis; null when there is no such graph. */
  private LoadedGraphs.Entry entry(String graphId) {
    LoadedGraphs.Entry entry = loaded.get(graphId);
    if (entry != null) {
      return entry;
    }
    // One load per graph at a time: the workers that take a big graph's nodes at once wait for it, rather than each
    // reading the whole log.
    CompletableFuture<LoadedGraphs.Entry> mine = new CompletableFuture<>();
    CompletableFuture<LoadedGraphs.Entry> loading = inFlightLoads.putIfAbsent(graphId, mine);
    if (loading != null) {
      try {
        return loading.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException cause ? cause : e;
      }
    }
    try {
      LoadedGraphs.Entry fresh = load(graphId);
      mine.complete(fresh);
      return fresh;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlightLoads.remove(graphId, mine);
    }
  }

  private LoadedGraphs.Entry load(String graphId) {
    LoadedGraphs.Entry entry = loaded.get(graphId);
    if (entry != null) {
      return entry;
    }
    String doc = redis.call(r -> r.hget(keys.graph(graphId), "doc"));
    if (doc == null) {
      return null;
    }
    StoredGraph stored = StoredGraph.fromJson(doc);
    // Validated when it was submitted; planned again without this instance's own node limit.
    GraphPlan plan = GraphDocuments.plan(stored.document(), Integer.MAX_VALUE);
    TraceContext trace = TraceContext.parse(stored.traceparent());
    List<Event> log = events.history(graphId, 0);
    if (!log.isEmpty() && log.get(0).seq() != 1) {
      LOG.severe("the event log of graph " + graphId + " lost its beginning (trimmed?): it cannot be rebuilt");
      return null;
    }
    GraphRun run = GraphRun.restore(graphId, plan, trace == null ? TraceContext.newTrace() : trace,
        stored.createdAt(), log);
    return loaded.putIfAbsent(new LoadedGraphs.Entry(run, stored, log.size()));
  }

  private static List<Event> numbered(String graphId, List<Event.Draft> drafts, long firstSeq) {
    List<Event> numbered = new ArrayList<>(drafts.size());
    for (int i = 0; i < drafts.size(); i++) {
      numbered.add(drafts.get(i).at(firstSeq + i, graphId));
    }
    return numbered;
  }
}
