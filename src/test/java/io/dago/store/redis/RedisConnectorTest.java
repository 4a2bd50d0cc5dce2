package io.dago.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dago.config.ConfigLoader;
import io.dago.config.RedisSettings;
import io.dago.testing.RedisCluster;
import io.dago.testing.RedisServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Against real servers: the machine's shared Redis on 6379 for PING only, a password-protected redis-server of
 * this class's own, a three-node cluster, and a port nobody listens on.
 */
class RedisConnectorTest {
  private static final String SHARED = "127.0.0.1:6379";
  private static final String PASSWORD = "s3cret-pw-0x7f";

  private static RedisServer locked;

  @BeforeAll
  static void startPasswordProtectedRedis() {
    locked = RedisServer.builder().password(PASSWORD).start();
  }

  @AfterAll
  static void stopPasswordProtectedRedis() {
    if (locked != null) {
      locked.close();
    }
  }

  @Test
  void connectsToTheSharedRedisWithAPoolOfTheGivenSizeNamedDago() {
    try (UnifiedJedis client = RedisConnector.connect(settings("REDIS_ADDR", SHARED), 7)) {
      assertEquals("PONG", client.ping());
      var pool = ((RedisClient) client).getPool();
      assertEquals(7, pool.getMaxTotal());
      assertEquals(RedisConnector.MIN_IDLE, pool.getMinIdle());
      assertEquals("dago", new String((byte[]) client.sendCommand(Protocol.Command.CLIENT, "GETNAME")));
    }
  }

  @Test
  void aSmallPoolKeepsNoMoreIdleConnectionsThanItHas() {
    try (UnifiedJedis client = RedisConnector.connect(settings("REDIS_ADDR", SHARED), 1)) {
      assertEquals(1, ((RedisClient) client).getPool().getMinIdle());
    }
  }

  @Test
  void aRefusedPortSaysSoInOneLine() {
    int port = unusedPort();
    RedisUnavailableException e = assertThrows(RedisUnavailableException.class,
        () -> RedisConnector.connect(settings("REDIS_ADDR", "127.0.0.1:" + port), 2));
    assertEquals("Redis connection refused at 127.0.0.1:" + port + ": is Redis running and REDIS_ADDR correct?",
        e.getMessage());
    assertInstanceOf(JedisConnectionException.class, e.getCause(), "the driver's exception stays for debugging");
  }

  @Test
  void aRefusedClusterNamesItsFirstSeed() {
    int first = unusedPort();
    RedisUnavailableException e = assertThrows(RedisUnavailableException.class, () -> RedisConnector.connect(
        settings("REDIS_CLUSTER", "true", "REDIS_ADDR", "127.0.0.1:" + first + ",127.0.0.1:" + unusedPort()), 2));
    assertEquals("Redis connection refused at 127.0.0.1:" + first + ": is Redis running and REDIS_ADDR correct?",
        e.getMessage());
  }

  @Test
  void anUnknownHostIsNamed() {
    RedisUnavailableException e = assertThrows(RedisUnavailableException.class,
        () -> RedisConnector.connect(settings("REDIS_ADDR", "no-such-host.invalid:6379"), 2));
    assertEquals("Redis host 'no-such-host.invalid' is unknown: check REDIS_ADDR", e.getMessage());
  }

  @Test
  void theRightPasswordFromRedisPassOrTheUrlConnects() {
    try (UnifiedJedis client = RedisConnector.connect(
        settings("REDIS_ADDR", locked.addr(), "REDIS_PASS", PASSWORD, "REDIS_DB", "3"), 2)) {
      assertEquals("PONG", client.ping());
    }
    try (UnifiedJedis client = RedisConnector.connect(
        settings("REDIS_ADDR", "redis://:" + PASSWORD + "@" + locked.addr() + "/1"), 2)) {
      assertEquals("PONG", client.ping());
    }
  }

  @Test
  void aWrongPasswordSaysCheckRedisPassAndNeverQuotesIt() {
    RedisUnavailableException e = assertThrows(RedisUnavailableException.class, () -> RedisConnector.connect(
        settings("REDIS_ADDR", locked.addr(), "REDIS_PASS", "wrong-" + PASSWORD), 2));
    assertEquals("Redis refused the credentials at " + locked.addr() + ": check REDIS_PASS", e.getMessage());
    assertNeverQuoted(e, PASSWORD);
  }

  @Test
  void aWrongUserSaysCheckTheUserToo() {
    RedisUnavailableException e = assertThrows(RedisUnavailableException.class, () -> RedisConnector.connect(
        settings("REDIS_ADDR", "redis://nobody:" + PASSWORD + "@" + locked.addr()), 2));
    assertEquals("Redis refused the credentials at " + locked.addr() + ": check REDIS_PASS and the user in REDIS_ADDR",
        e.getMessage());
    assertNeverQuoted(e, PASSWORD);
  }

  @Test
  void aMissingPasswordSaysSetRedisPass() {
    RedisUnavailableException e = assertThrows(RedisUnavailableException.class,
        () -> RedisConnector.connect(settings("REDIS_ADDR", locked.addr()), 2));
    assertEquals("Redis at " + locked.addr() + " requires a password: set REDIS_PASS", e.getMessage());
  }

  @Test
  void aStandaloneRedisNamedAsAClusterSaysItIsNotOne() {
    RedisUnavailableException e = assertThrows(RedisUnavailableException.class, () -> RedisConnector.connect(
        settings("REDIS_CLUSTER", "true", "REDIS_ADDR", locked.addr(), "REDIS_PASS", PASSWORD), 2));
    assertEquals("Redis at " + locked.addr() + " is not a cluster: set REDIS_CLUSTER=false, or list cluster nodes "
        + "in REDIS_ADDR", e.getMessage());
    assertNeverQuoted(e, PASSWORD);
  }

  @Test
  void connectsToAClusterFromItsSeeds() {
    try (RedisCluster cluster = RedisCluster.start();
        UnifiedJedis client = RedisConnector.connect(
            settings("REDIS_CLUSTER", "true", "REDIS_ADDR", cluster.seeds()), 3)) {
      assertEquals("PONG", client.ping());
      // Keys on every node: the client routes by slot.
      for (String key : new String[] {"dago-a", "dago-b", "dago-c", "dago-d"}) {
        client.set(key, "1");
        assertEquals("1", client.get(key));
      }
    }
  }

  // Failures that are slow or awkward to provoke for real; the replies quoted are what Jedis 8 was seen to give.

  @Test
  void aDatabaseTheServerDoesNotHaveSaysCheckRedisDb() {
    RedisSettings settings = settings("REDIS_ADDR", "10.0.0.1:6379", "REDIS_DB", "12");
    RedisUnavailableException e = RedisConnector.translate(new JedisDataException("ERR DB index is out of range"), settings);
    assertEquals("Redis at 10.0.0.1:6379 has no database 12: check REDIS_DB (the server's 'databases' setting "
        + "limits it)", e.getMessage());
  }

  @Test
  void aTlsClientTalkingToAPlainServerIsToldToUseRedisUrls() {
    RedisSettings tls = settings("REDIS_ADDR", "rediss://10.0.0.1:6380");
    RedisUnavailableException silent = RedisConnector.translate(
        new JedisConnectionException(new SocketTimeoutException("Read timed out")), tls);
    assertEquals("Redis at 10.0.0.1:6380 did not answer the TLS handshake: if it does not serve TLS, use redis:// "
        + "rather than rediss:// in REDIS_ADDR", silent.getMessage());
    RedisUnavailableException untrusted = RedisConnector.translate(
        new JedisConnectionException(new SSLHandshakeException("PKIX path building failed")), tls);
    assertEquals("Redis at 10.0.0.1:6380 failed the TLS handshake (PKIX path building failed): check that it serves "
        + "TLS and that its certificate is trusted, or use redis:// in REDIS_ADDR", untrusted.getMessage());
  }

  @Test
  void aPoolSizeBelowOneIsABug() {
    assertThrows(IllegalArgumentException.class, () -> RedisConnector.connect(settings("REDIS_ADDR", SHARED), 0));
  }

  private static RedisSettings settings(String... variables) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < variables.length; i += 2) {
      env.put(variables[i], variables[i + 1]);
    }
    return ConfigLoader.load(env).config().redis();
  }

  private static void assertNeverQuoted(Throwable e, String secret) {
    for (Throwable at = e; at != null; at = at.getCause()) {
      assertFalse(String.valueOf(at.getMessage()).contains(secret), at.getMessage());
      for (Throwable suppressed : at.getSuppressed()) {
        assertNeverQuoted(suppressed, secret);
      }
    }
    assertFalse(e.toString().contains(secret));
  }

  /** A loopback port nobody listens on: bound for a moment, then released. */
  private static int unusedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("cannot find a free port", e);
    }
  }
}
