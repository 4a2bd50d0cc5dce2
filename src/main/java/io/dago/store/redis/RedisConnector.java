package io.dago.store.redis;

import io.dago.config.RedisEndpoint;
import io.dago.config.RedisSettings;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.net.ssl.SSLException;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Opens the Jedis client an instance shares between all its Redis adapters, and proves it works with one PING
 * so that a wrong address or password stops start-up with one clear line instead of failing the first graph.
 *
 * <p>Timeouts: every reply must arrive within {@link #SOCKET_TIMEOUT}, blocking commands included (Jedis would
 * otherwise wait forever on them, and a half-open connection would hang its reader). So a blocking read's own
 * {@code BLOCK} (XREADGROUP, XREAD) must stay clearly below it, e.g. 2 to 5 s: a BLOCK at or above it ends in a
 * socket timeout and a dropped connection instead of an empty reply.
 */
public final class RedisConnector {
  /** The longest wait for any reply; see the class comment for what it means to blocking reads. */
  public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  /** How long a command waits for a free connection before it fails with JedisExhaustedPoolException. */
  static final Duration POOL_WAIT = Duration.ofSeconds(5);
  /** Connections kept open while idle, so that a burst after a quiet spell does not start with handshakes. */
  static final int MIN_IDLE = 4;
  static final String CLIENT_NAME = "dago";

  private RedisConnector() {}

  /**
   * Connects and PINGs once.
   *
   * @param poolSize the most connections open at once (per node for a cluster). A blocking read holds its
   *     connection for the whole BLOCK, so this must cover every worker that may talk to Redis at the same time,
   *     plus each blocking reader (one per task-queue consumer), plus the event feed reader, plus a few for the
   *     APIs' reads; too few and commands queue for up to {@link #POOL_WAIT}, then fail.
   * @return the client; the caller closes it, which closes the pool
   * @throws RedisUnavailableException when Redis cannot be reached or refuses the login; the client is closed
   */
  public static UnifiedJedis connect(RedisSettings settings, int poolSize) {
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1, got " + poolSize);
    }
    UnifiedJedis client = null;
    try {
      // A cluster client discovers the slots while it is built, so building can fail as well as the PING.
      client = settings.cluster() ? cluster(settings, poolSize) : single(settings, poolSize);
      client.ping();
      return client;
    } catch (RuntimeException e) {
      if (client != null) {
        client.close();
      }
      throw translate(e, settings);
    }
  }

  private static UnifiedJedis single(RedisSettings settings, int poolSize) {
    RedisEndpoint node = settings.first();
    return RedisClient.builder()
        .hostAndPort(node.host(), node.port())
        .clientConfig(clientConfig(settings))
        .poolConfig(poolConfig(poolSize))
        .build();
  }

  private static UnifiedJedis cluster(RedisSettings settings, int poolSize) {
    Set<HostAndPort> seeds = new LinkedHashSet<>();
    settings.seeds().forEach(seed -> seeds.add(new HostAndPort(seed.host(), seed.port())));
    return RedisClusterClient.builder()
        .nodes(seeds)
        .clientConfig(clientConfig(settings))
        .poolConfig(poolConfig(poolSize))
        .build();
  }

  private static JedisClientConfig clientConfig(RedisSettings settings) {
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis((int) CONNECT_TIMEOUT.toMillis())
        .socketTimeoutMillis((int) SOCKET_TIMEOUT.toMillis())
        .blockingSocketTimeoutMillis((int) SOCKET_TIMEOUT.toMillis())
        .user(settings.user())
        .password(settings.password())
        .database(settings.db())
        .clientName(CLIENT_NAME);
    if (settings.tls()) {
      // FULL checks the certificate against the JVM's trust store and the host name against the certificate;
      // Jedis's older ssl(true) checked neither name nor, with some factories, the chain.
      config.sslOptions(SslOptions.builder().sslVerifyMode(SslVerifyMode.FULL).build());
    }
    return config.build();
  }

  private static ConnectionPoolConfig poolConfig(int poolSize) {
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(poolSize);
    pool.setMaxIdle(poolSize);
    pool.setMinIdle(Math.min(poolSize, MIN_IDLE));
    pool.setBlockWhenExhausted(true);
    pool.setMaxWait(POOL_WAIT);
    return pool;
  }

  /** One line per thing the operator can fix. Server replies are quoted; they never contain the password. */
  static RedisUnavailableException translate(RuntimeException e, RedisSettings settings) {
    RedisEndpoint node = settings.first();
    // A cluster client reports one exception per seed it tried as suppressed ones; the first says enough.
    Throwable cause = e.getSuppressed().length > 0 ? e.getSuppressed()[0] : e;
    String reply = cause instanceof JedisDataException ? String.valueOf(cause.getMessage()) : "";
    String message;
    if (cause instanceof JedisAccessControlException && reply.startsWith("NOAUTH") && settings.password() == null) {
      message = "Redis at " + node + " requires a password: set REDIS_PASS";
    } else if (cause instanceof JedisAccessControlException || reply.startsWith("WRONGPASS")
        || reply.startsWith("NOAUTH")) {
      message = "Redis refused the credentials at " + node + ": check REDIS_PASS"
          + (settings.user() == null ? "" : " and the user in REDIS_ADDR");
    } else if (reply.contains("DB index is out of range")) {
      message = "Redis at " + node + " has no database " + settings.db()
          + ": check REDIS_DB (the server's 'databases' setting limits it)";
    } else if (reply.contains("cluster support disabled")) {
      message = "Redis at " + node + " is not a cluster: set REDIS_CLUSTER=false, or list cluster nodes in REDIS_ADDR";
    } else if (cause instanceof JedisDataException) {
      message = "Redis at " + node + " refused dago's login: " + reply;
    } else if (has(cause, UnknownHostException.class)) {
      message = "Redis host '" + node.host() + "' is unknown: check REDIS_ADDR";
    } else if (has(cause, SSLException.class)) {
      message = "Redis at " + node + " failed the TLS handshake (" + find(cause, SSLException.class).getMessage()
          + "): check that it serves TLS and that its certificate is trusted, or use redis:// in REDIS_ADDR";
    } else if (settings.tls() && has(cause, SocketTimeoutException.class)) {
      message = "Redis at " + node + " did not answer the TLS handshake: if it does not serve TLS, "
          + "use redis:// rather than rediss:// in REDIS_ADDR";
    } else {
      message = "Redis connection refused at " + node + ": is Redis running and REDIS_ADDR correct?";
    }
    return new RedisUnavailableException(message, e);
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    return find(t, type) != null;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable at = t; at != null; at = at.getCause()) {
      if (type.isInstance(at)) {
        return type.cast(at);
      }
    }
    return null;
  }
}
