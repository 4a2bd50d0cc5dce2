package io.dago.store.redis;

import io.dago.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;

/**
 * The one door to Redis for the adapters: runs commands on the shared client and turns "Redis cannot be reached"
 * into {@link StoreUnavailableException}, so the engine and the APIs deal with one kind of outage whatever Jedis
 * threw. Works the same on a single Redis and on a Redis Cluster.
 */
public final class Redis implements AutoCloseable {
  /** Batches on their way at once: two keep Redis busy while the next batch gathers. */
  private static final int LANES = 2;

  private final UnifiedJedis client;
  private final Batches batches;
  private final LongAdder errors = new LongAdder();

  public Redis(UnifiedJedis client) {
    this.client = client;
    this.batches = new Batches(client, LANES);
  }

  /** Runs commands; {@link StoreUnavailableException} when Redis cannot be reached. */
  public <T> T call(Function<UnifiedJedis, T> commands) {
    try {
      return commands.apply(client);
    } catch (JedisConnectionException e) {
      errors.increment();
      throw new StoreUnavailableException("Redis is unreachable: " + describe(e), e);
    } catch (JedisDataException e) {
      // LOADING (restarting with its AOF), MASTERDOWN, CLUSTERDOWN, TRYAGAIN: Redis is there, but not ready yet.
      String message = String.valueOf(e.getMessage());
      if (message.startsWith("LOADING") || message.startsWith("MASTERDOWN") || message.startsWith("CLUSTERDOWN")
          || message.startsWith("TRYAGAIN")) {
        errors.increment();
        throw new StoreUnavailableException("Redis is not ready: " + message, e);
      }
      errors.increment();
      throw e;
    } catch (JedisException e) {
      errors.increment();
      throw new StoreUnavailableException("Redis is unreachable: " + describe(e), e);
    }
  }

  /**
   * Runs one short command with the next batch of pipelined commands (see {@link Batches}): what the workers' hot
   * path sends. Never a blocking command.
   */
  public <T> T send(Function<AbstractPipeline, Response<T>> command) {
    return call(redis -> batches.send(command));
  }

  /**
   * Runs a Lua script by its digest, loading it first where the server does not know it yet (after a restart, or
   * on a cluster node that never ran it). Sent in a batch (see {@link #send}).
   */
  public Object eval(Script script, List<String> keys, List<String> args) {
    return call(redis -> {
      try {
        return batches.send(pipeline -> pipeline.evalsha(script.sha(), keys, args));
      } catch (JedisDataException e) {
        if (String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
          return redis.eval(script.source(), keys, args);
        }
        throw e;
      }
    });
  }

  /**
   * Appends an entry at an explicit id, as the way to claim it: false, and nothing written, when the stream already
   * holds that id or a later one (someone else claimed it first), which is an answer, not an error. Sent in a batch
   * (see {@link #send}).
   */
  public boolean appendAt(String stream, StreamEntryID id, long cap, Map<String, String> fields) {
    return call(redis -> {
      try {
        batches.send(pipeline -> pipeline.xadd(stream,
            XAddParams.xAddParams().id(id).maxLen(cap).approximateTrimming(), fields));
        return true;
      } catch (JedisDataException e) {
        if (String.valueOf(e.getMessage()).contains("equal or smaller than the target stream top item")) {
          return false;
        }
        throw e;
      }
    });
  }

  /** Whether Redis answers now. */
  public boolean ping() {
    try {
      return "PONG".equalsIgnoreCase(client.ping());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Commands that failed, since start. */
  public long errors() {
    return errors.sum();
  }

  public UnifiedJedis client() {
    return client;
  }

  @Override
  public void close() {
    batches.close();
    client.close();
  }

  private static String describe(JedisException e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
  }

  /** A Lua script and its SHA-1, the name {@code EVALSHA} knows it by. */
  public record Script(String source, String sha) {
    public static Script of(String source) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
        return new Script(source, HexFormat.of().formatHex(digest));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is missing from this JDK", e);
      }
    }
  }
}
