package io.dago.store.redis;

import io.dago.state.GraphRun;
import io.dago.store.StoreUnavailableException;
import io.dago.store.TaskQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * Ready nodes on Redis Streams, one stream per shard, read by the consumer group {@code dago} with one consumer per
 * instance, so instances split the work.
 *
 * <p>A task taken stays pending in the group until the change that stores its outcome acknowledges it (in the same
 * script). While a worker holds a task, a heartbeat resets the entry's idle time; an entry idle for longer than
 * {@code claimIdle} belongs to an instance that stopped answering, and the next instance to look takes it over with
 * {@code XAUTOCLAIM}, delivering it as {@link Task#redelivered()}. Housekeeping also moves retries whose backoff has
 * passed onto the queue and trims entries every consumer is done with.
 */
public final class RedisTaskQueue implements TaskQueue, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RedisTaskQueue.class.getName());
  private static final long MOVE_DUE_EVERY_MS = 250;
  private static final long TRIM_EVERY_MS = 5000;
  private static final long SIZE_EVERY_MS = 1000;
  private static final int RECLAIM_BATCH = 32;
  private static final int CLOSE_GIVE_BACK_MAX = 10_000;
  /** On a cluster no read can wait on every shard at once: each empty round waits this long on one of them. */
  private static final int SHARD_WAIT_MS = 20;

  private final Redis redis;
  private final RedisKeys keys;
  private final String consumer;
  private final long claimIdleMs;
  /** Tasks this instance took and has not finished, by receipt: the ones the heartbeat keeps alive. */
  private final ConcurrentHashMap<String, Task> held = new ConcurrentHashMap<>();
  private final LinkedBlockingDeque<Task> reclaimed = new LinkedBlockingDeque<>();
  private final Thread housekeeper;
  private volatile boolean running = true;
  private volatile int waiting;
  private int nextShard;

  /**
   * @param consumer this instance's name in the consumer group: unique among instances, stable across restarts if
   *     possible (a restarted instance then finds its own pending entries at once)
   * @param claimIdle how long an entry must go without a heartbeat before another instance takes it over
   */
  public RedisTaskQueue(Redis redis, RedisKeys keys, String consumer, Duration claimIdle) {
    this.redis = redis;
    this.keys = keys;
    this.consumer = consumer;
    this.claimIdleMs = claimIdle.toMillis();
    for (int shard = 0; shard < keys.shards(); shard++) {
      createGroup(keys.queue(shard));
      takeBackOwn(shard);
    }
    this.housekeeper = Thread.ofVirtual().name("dago-queue-housekeeping").start(this::houseKeep);
  }

  /**
   * Tasks this consumer held when its process stopped (an instance restarted under the same id): they are its own
   * to run again at once, as redelivered, rather than after {@code claimIdle}.
   */
  private void takeBackOwn(int shard) {
    String queue = keys.queue(shard);
    StreamEntryID after = new StreamEntryID(0, 0);
    int taken = 0;
    while (true) {
      StreamEntryID from = after;
      var streams = redis.call(r -> r.xreadGroup(RedisKeys.GROUP, consumer,
          XReadGroupParams.xReadGroupParams().count(RECLAIM_BATCH), Map.of(queue, from)));
      List<StreamEntry> entries = streams == null || streams.isEmpty() ? List.of() : streams.get(0).getValue();
      if (entries.isEmpty()) {
        break;
      }
      for (StreamEntry entry : entries) {
        after = entry.getID();
        if (entry.getFields() != null) {
          reclaimed.add(hold(entry, true));
          taken++;
        }
      }
    }
    if (taken > 0) {
      int count = taken;
      LOG.info(() -> "took back " + count + " tasks this instance held before it stopped");
    }
  }

  private void createGroup(String queue) {
    try {
      redis.call(r -> r.xgroupCreate(queue, RedisKeys.GROUP, new StreamEntryID(0, 0), true));
    } catch (redis.clients.jedis.exceptions.JedisDataException e) {
      if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
        throw e;
      }
    }
  }

  @Override
  public void offer(String graphId, GraphRun.Dispatch dispatch) {
    int shard = keys.shardOf(graphId);
    if (dispatch.delayMs() <= 0) {
      redis.call(r -> r.xadd(keys.queue(shard), StreamEntryID.NEW_ENTRY, Map.of("g", graphId,
          "n", Integer.toString(dispatch.node()), "a", Integer.toString(dispatch.attempt()))));
    } else {
      long due = System.currentTimeMillis() + dispatch.delayMs();
      redis.call(r -> r.zadd(keys.delayed(shard), due,
          graphId + ":" + dispatch.node() + ":" + dispatch.attempt()));
    }
  }

  @Override
  public List<Task> poll(int max, Duration wait) throws InterruptedException {
    List<Task> taken = new ArrayList<>(Math.min(max, 16));
    reclaimed.drainTo(taken, max);
    if (!taken.isEmpty()) {
      return taken;
    }
    if (keys.shards() == 1) {
      return read(0, max, (int) Math.max(1, wait.toMillis()));
    }
    // A cluster: look at every shard once without waiting, starting where the last round stopped, then wait a
    // little on the next one.
    for (int i = 0; i < keys.shards(); i++) {
      List<Task> found = read(rotate(), max, 0);
      if (!found.isEmpty()) {
        return found;
      }
    }
    return read(rotate(), max, (int) Math.min(SHARD_WAIT_MS, Math.max(1, wait.toMillis())));
  }

  private synchronized int rotate() {
    nextShard = (nextShard + 1) % keys.shards();
    return nextShard;
  }

  private List<Task> read(int shard, int max, int blockMs) {
    XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(max);
    if (blockMs > 0) {
      params.block(blockMs);
    }
    String queue = keys.queue(shard);
    var streams = redis.call(r -> r.xreadGroup(RedisKeys.GROUP, consumer, params,
        Map.of(queue, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)));
    if (streams == null || streams.isEmpty()) {
      return List.of();
    }
    List<Task> tasks = new ArrayList<>();
    for (var stream : streams) {
      for (StreamEntry entry : stream.getValue()) {
        // A redelivered task that was postponed comes back marked as such (see Scripts.POSTPONE).
        tasks.add(hold(entry, "1".equals(entry.getFields().get("r"))));
      }
    }
    return tasks;
  }

  private Task hold(StreamEntry entry, boolean redelivered) {
    Map<String, String> fields = entry.getFields();
    long waitedMs = Math.max(0, System.currentTimeMillis() - entry.getID().getTime());
    Task task = new Task(fields.get("g"), Integer.parseInt(fields.get("n")), Integer.parseInt(fields.get("a")),
        redelivered, System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(waitedMs), entry.getID().toString());
    held.put(task.receipt(), task);
    return task;
  }

  @Override
  public void ack(Task task) {
    String queue = keys.queue(keys.shardOf(task.graphId()));
    redis.call(r -> r.xack(queue, RedisKeys.GROUP, new StreamEntryID(task.receipt())));
    held.remove(task.receipt());
  }

  /** The task was acknowledged by the change that stored its outcome: no more heartbeats. */
  void finished(Task task) {
    held.remove(task.receipt());
  }

  @Override
  public void release(Task task) {
    held.remove(task.receipt());
    giveBack(List.of(task));
  }

  @Override
  public boolean pollsRemotely() {
    return true;
  }

  @Override
  public void postpone(Task task, Duration delay) {
    int shard = keys.shardOf(task.graphId());
    String member = task.graphId() + ":" + task.node() + ":" + task.attempt() + (task.redelivered() ? ":r" : "");
    redis.eval(Scripts.POSTPONE, List.of(keys.queue(shard), keys.delayed(shard)),
        List.of(task.receipt(), member, Long.toString(Math.max(1, delay.toMillis()))));
    held.remove(task.receipt());
  }

  /**
   * Makes tasks look abandoned at once, so the next instance to look (this one included) takes them over rather
   * than waiting {@code claimIdle}. Best effort: if Redis is out of reach they are taken over after it anyway.
   */
  private void giveBack(List<Task> tasks) {
    Map<Integer, List<StreamEntryID>> byShard = new HashMap<>();
    for (Task task : tasks) {
      byShard.computeIfAbsent(keys.shardOf(task.graphId()), s -> new ArrayList<>())
          .add(new StreamEntryID(task.receipt()));
    }
    try {
      byShard.forEach(this::giveBack);
    } catch (RuntimeException e) {
      LOG.fine(() -> "could not give tasks back: " + e.getMessage());
    }
  }

  private void giveBack(int shard, List<StreamEntryID> ids) {
    redis.call(r -> r.xclaimJustId(keys.queue(shard), RedisKeys.GROUP, consumer, 0,
        XClaimParams.xClaimParams().idle(claimIdleMs), ids.toArray(StreamEntryID[]::new)));
  }


  @Override
  public int size() {
    return waiting + reclaimed.size();
  }

  private void houseKeep() {
    long heartbeatEvery = Math.max(100, claimIdleMs / 3);
    long reclaimEvery = Math.max(100, claimIdleMs / 2);
    long lastHeartbeat = 0;
    long lastReclaim = 0;
    long lastMove = 0;
    long lastTrim = 0;
    long lastSize = 0;
    boolean failing = false;
    while (running) {
      long now = System.currentTimeMillis();
      try {
        if (now - lastHeartbeat >= heartbeatEvery) {
          heartbeat();
          lastHeartbeat = now;
        }
        if (now - lastReclaim >= reclaimEvery) {
          reclaim();
          lastReclaim = now;
        }
        if (now - lastMove >= MOVE_DUE_EVERY_MS) {
          for (int shard = 0; shard < keys.shards(); shard++) {
            redis.eval(Scripts.MOVE_DUE, List.of(keys.delayed(shard), keys.queue(shard)), List.of());
          }
          lastMove = now;
        }
        if (now - lastTrim >= TRIM_EVERY_MS) {
          for (int shard = 0; shard < keys.shards(); shard++) {
            redis.eval(Scripts.TRIM_QUEUE, List.of(keys.queue(shard)), List.of());
          }
          lastTrim = now;
        }
        if (now - lastSize >= SIZE_EVERY_MS) {
          waiting = countWaiting();
          lastSize = now;
        }
        if (failing) {
          LOG.info("task queue housekeeping works again");
          failing = false;
        }
      } catch (StoreUnavailableException e) {
        if (!running) {
          return;
        }
        if (!failing) {
          LOG.warning("task queue housekeeping paused: " + e.getMessage());
          failing = true;
        }
      } catch (RuntimeException e) {
        LOG.warning("task queue housekeeping failed: " + e);
      }
      try {
        Thread.sleep(Math.min(MOVE_DUE_EVERY_MS, heartbeatEvery));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Resets the idle time of every entry this instance holds, so no other instance takes it over. */
  private void heartbeat() {
    if (held.isEmpty()) {
      return;
    }
    Map<Integer, List<StreamEntryID>> byShard = new HashMap<>();
    for (Task task : held.values()) {
      byShard.computeIfAbsent(keys.shardOf(task.graphId()), s -> new ArrayList<>())
          .add(new StreamEntryID(task.receipt()));
    }
    byShard.forEach((shard, ids) -> redis.call(r -> r.xclaimJustId(keys.queue(shard), RedisKeys.GROUP, consumer,
        0, XClaimParams.xClaimParams(), ids.toArray(StreamEntryID[]::new))));
  }

  /** Takes over entries idle for longer than {@code claimIdle}: their instance stopped answering. */
  private void reclaim() {
    if (!reclaimed.isEmpty()) {
      return;
    }
    for (int shard = 0; shard < keys.shards(); shard++) {
      String queue = keys.queue(shard);
      var claimed = redis.call(r -> r.xautoclaim(queue, RedisKeys.GROUP, consumer, claimIdleMs,
          new StreamEntryID(0, 0), XAutoClaimParams.xAutoClaimParams().count(RECLAIM_BATCH)));
      for (StreamEntry entry : claimed.getValue()) {
        if (entry.getFields() == null || held.containsKey(entry.getID().toString())) {
          continue;
        }
        Task task = hold(entry, true);
        LOG.info(() -> "took over a task of a silent worker: graph_id=" + task.graphId() + " node=" + task.node()
            + " attempt=" + task.attempt());
        reclaimed.add(task);
      }
    }
  }

  private int countWaiting() {
    long sum = 0;
    for (int shard = 0; shard < keys.shards(); shard++) {
      String queue = keys.queue(shard);
      for (StreamGroupInfo group : redis.call(r -> r.xinfoGroups(queue))) {
        if (RedisKeys.GROUP.equals(group.getName()) && group.getGroupInfo().get("lag") instanceof Number lag) {
          sum += lag.longValue();
        }
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, sum);
  }

  /**
   * Stops housekeeping and gives back every entry this consumer still has pending (taken but not started, still
   * running after the shutdown grace, or delivered by a read the stop cut short), so that other instances take them
   * over at once instead of after {@code claimIdle}.
   */
  @Override
  public void close() {
    running = false;
    housekeeper.interrupt();
    reclaimed.clear();
    held.clear();
    for (int shard = 0; shard < keys.shards(); shard++) {
      String queue = keys.queue(shard);
      try {
        List<StreamEntryID> pending = redis.call(r -> r.xpending(queue, RedisKeys.GROUP,
            XPendingParams.xPendingParams("-", "+", CLOSE_GIVE_BACK_MAX).consumer(consumer))).stream()
            .map(StreamPendingEntry::getID).toList();
        if (!pending.isEmpty()) {
          giveBack(shard, pending);
        }
      } catch (RuntimeException e) {
        LOG.fine(() -> "could not give tasks back on close: " + e.getMessage());
      }
    }
  }

}
