package io.dago.store.redis;

/**
 * Where everything lives in Redis.
 *
 * <p>Graphs are spread over {@code shards}. Every key of a graph, and the task queue its nodes go through, carry the
 * shard's hash tag ({@code {s3}}), so on a Redis Cluster they sit in one slot: one script can commit a change, enqueue
 * the nodes it made ready and acknowledge the task that caused it, atomically. With several shards the queue is
 * several streams spread over the cluster's masters rather than one key on one of them. A single Redis needs one
 * shard. Every instance of a deployment must use the same number (it follows {@code REDIS_CLUSTER}).
 */
public final class RedisKeys {
  /** Shards on a Redis Cluster: enough to spread over a few masters, few enough to poll. */
  public static final int CLUSTER_SHARDS = 16;
  /** The consumer group every instance reads the task queues with. */
  public static final String GROUP = "dago";
  /** Where each instance publishes its events for the others ("all graphs" subscribers). */
  public static final String FEED = "dago:feed";

  private final int shards;

  public RedisKeys(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1");
    }
    this.shards = shards;
  }

  public int shards() {
    return shards;
  }

  /** The shard of a graph, or of an idempotency key; stable across processes (String.hashCode is specified). */
  public int shardOf(String id) {
    return Math.floorMod(id.hashCode(), shards);
  }

  /**
   * The graph: a hash of {@code doc} (what never changes: the document, trace, creation time; JSON) and {@code sum}
   * (the graph without its nodes, for listings; JSON, rewritten when the graph ends).
   */
  public String graph(String graphId) {
    return tag(shardOf(graphId)) + "g:" + graphId;
  }

  /** The graph's event log, a stream whose entry ids are {@code 0-<seq>}. */
  public String events(String graphId) {
    return tag(shardOf(graphId)) + "ev:" + graphId;
  }

  /** The shard's graph ids, for listings: a sorted set read in reverse lexical order, newest first. */
  public String index(int shard) {
    return tag(shard) + "graphs";
  }

  /** An idempotency key; graphs submitted with one are placed in its shard (see {@link #shardOf}). */
  public String idempotency(String key) {
    return tag(shardOf(key)) + "idem:" + key;
  }

  /** The shard's ready tasks, a stream read by the consumer group {@link #GROUP}. */
  public String queue(int shard) {
    return tag(shard) + "q";
  }

  /** The shard's tasks waiting for a backoff to pass: a sorted set by due time, in milliseconds. */
  public String delayed(int shard) {
    return tag(shard) + "delayed";
  }

  private static String tag(int shard) {
    return "dago:{s" + shard + "}:";
  }
}
