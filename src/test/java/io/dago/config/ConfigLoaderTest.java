package io.dago.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  @Test
  void anEmptyEnvironmentGivesTheEmbeddedDefaultsWithTheEchoProvider() {
    ConfigLoader.Loaded loaded = ConfigLoader.load(Map.of());
    Config config = loaded.config();
    assertEquals(8080, config.httpPort());
    assertEquals(9090, config.grpcPort());
    assertEquals(8081, config.wsPort());
    assertEquals("0.0.0.0", config.bindAddress());
    assertEquals(LlmProviderKind.ECHO, config.llmProvider());
    assertEquals(5, config.workerPoolSize());
    assertEquals(4L * 1024 * 1024, config.maxBodyBytes());
    assertEquals(10_000, config.maxNodes());
    assertFalse(config.redisEnabled());
    assertTrue(loaded.notices().get(0).contains("echo"), "says why echo was chosen");
  }

  @Test
  void anApiKeyChoosesAnthropicByDefault() {
    Config config = ConfigLoader.load(Map.of("LLM_API_KEY", "sk-test-123")).config();
    assertEquals(LlmProviderKind.ANTHROPIC, config.llmProvider());
    assertEquals("https://api.anthropic.com", config.llmBaseUrl().toString());
  }

  @Test
  void everyVariableIsRead() {
    Config config = ConfigLoader.load(Map.ofEntries(
        Map.entry("DAGO_HTTP_PORT", "0"), Map.entry("DAGO_GRPC_PORT", "9999"), Map.entry("DAGO_WS_PORT", "8888"),
        Map.entry("DAGO_BIND", "127.0.0.1"), Map.entry("LOG_LEVEL", "debug"), Map.entry("LOG_FORMAT", "json"),
        Map.entry("DAGO_INSTANCE_ID", "dago-a"), Map.entry("REDIS_ADDR", "localhost:6379"),
        Map.entry("REDIS_PASS", "pw"), Map.entry("REDIS_DB", "2"), Map.entry("LLM_PROVIDER", "echo"),
        Map.entry("LLM_BASE_URL", "http://127.0.0.1:1234/"), Map.entry("DAGO_DEFAULT_MODEL", "claude-x"),
        Map.entry("WORKER_POOL_SIZE", "64"), Map.entry("LLM_ECHO_LATENCY_MS", "250"),
        Map.entry("DAGO_MAX_BODY_BYTES", "2048"), Map.entry("DAGO_MAX_NODES", "7"),
        Map.entry("DAGO_STATE_TTL", "12h"), Map.entry("DAGO_CLAIM_IDLE_MS", "5000"),
        Map.entry("DAGO_SHUTDOWN_GRACE_SECONDS", "0"), Map.entry("DAGO_CACHE_TTL", "10m"),
        Map.entry("DAGO_CACHE_MAX_ENTRIES", "50"), Map.entry("DAGO_EVENTS_MAX_PER_GRAPH", "2000"))).config();
    assertEquals(0, config.httpPort());
    assertEquals(9999, config.grpcPort());
    assertEquals(8888, config.wsPort());
    assertEquals("127.0.0.1", config.bindAddress());
    assertEquals(LogLevel.DEBUG, config.logLevel());
    assertEquals(LogFormat.JSON, config.logFormat());
    assertEquals("dago-a", config.instanceId());
    assertEquals(List.of(new RedisEndpoint("localhost", 6379)), config.redis().seeds());
    assertEquals("pw", config.redis().password());
    assertEquals(2, config.redis().db());
    assertEquals("http://127.0.0.1:1234", config.llmBaseUrl().toString());
    assertEquals("claude-x", config.defaultModel());
    assertEquals(64, config.workerPoolSize());
    assertEquals(Duration.ofMillis(250), config.echoLatency());
    assertEquals(2048, config.maxBodyBytes());
    assertEquals(7, config.maxNodes());
    assertEquals(Duration.ofHours(12), config.stateTtl());
    assertEquals(Duration.ofSeconds(5), config.claimIdle());
    assertEquals(Duration.ZERO, config.shutdownGrace());
    assertEquals(Duration.ofMinutes(10), config.cacheTtl());
    assertTrue(config.cacheAll());
    assertEquals(50, config.cacheMaxEntries());
    assertEquals(2000, config.eventsMaxPerGraph());
  }

  @Test
  void badValuesStopStartUpWithOneLineNamingTheVariable() {
    assertMessage(Map.of("DAGO_HTTP_PORT", "http"), "DAGO_HTTP_PORT must be a whole number, got 'http'");
    assertMessage(Map.of("DAGO_GRPC_PORT", "70000"), "DAGO_GRPC_PORT must be between 0 and 65535, got 70000");
    assertMessage(Map.of("LLM_PROVIDER", "openai"), "LLM_PROVIDER must be 'anthropic' or 'echo', got 'openai'");
    assertMessage(Map.of("LLM_PROVIDER", "anthropic"), "LLM_PROVIDER=anthropic needs LLM_API_KEY to be set");
    assertMessage(Map.of("LOG_LEVEL", "verbose"), "LOG_LEVEL must be one of error, warn, info, debug; got 'verbose'");
    assertMessage(Map.of("LOG_FORMAT", "xml"), "LOG_FORMAT must be one of text, json; got 'xml'");
    assertMessage(Map.of("WORKER_POOL_SIZE", "0"), "WORKER_POOL_SIZE must be between 1 and 100000, got 0");
    assertMessage(Map.of("LLM_BASE_URL", "ftp://x"), "LLM_BASE_URL must be an http(s) URL");
  }

  @Test
  void metricsAreOnUnlessDagoMetricsSaysFalse() {
    assertTrue(ConfigLoader.load(Map.of()).config().metricsEnabled());
    assertTrue(ConfigLoader.load(Map.of("DAGO_METRICS", "TRUE")).config().metricsEnabled());
    assertFalse(ConfigLoader.load(Map.of("DAGO_METRICS", "false")).config().metricsEnabled());
    assertMessage(Map.of("DAGO_METRICS", "off"), "DAGO_METRICS must be 'true' or 'false', got 'off'");
  }

  @Test
  void webSocketSendBufferAndPingIntervalHaveDefaultsAndBounds() {
    Config defaults = ConfigLoader.load(Map.of()).config();
    assertEquals(8192, defaults.wsSendBuffer());
    assertEquals(30, defaults.wsPingSeconds());
    Config set = ConfigLoader.load(Map.of("DAGO_WS_SEND_BUFFER", "64", "DAGO_WS_PING_SECONDS", "0")).config();
    assertEquals(64, set.wsSendBuffer());
    assertEquals(0, set.wsPingSeconds());
    assertMessage(Map.of("DAGO_WS_SEND_BUFFER", "8"), "DAGO_WS_SEND_BUFFER must be between 16 and 1000000, got 8");
    assertMessage(Map.of("DAGO_WS_PING_SECONDS", "-1"), "DAGO_WS_PING_SECONDS must be between 0 and 3600, got -1");
  }

  @Test
  void theApiKeyNeverAppearsInTheConfigurationsText() {
    Config config = ConfigLoader.load(Map.of("LLM_API_KEY", "sk-secret-value", "REDIS_PASS", "redis-secret")).config();
    assertFalse(config.toString().contains("sk-secret-value"));
    assertFalse(config.toString().contains("redis-secret"));
  }

  // --- Redis mode -------------------------------------------------------------------------------------------------

  @Test
  void withoutRedisAddrThereAreNoRedisSettings() {
    assertNull(ConfigLoader.load(Map.of("REDIS_PASS", "pw", "REDIS_DB", "3")).config().redis());
  }

  @Test
  void hostAndPortIsOnePlainNode() {
    RedisSettings redis = redis(Map.of("REDIS_ADDR", "127.0.0.1:6380"));
    assertEquals(List.of(new RedisEndpoint("127.0.0.1", 6380)), redis.seeds());
    assertFalse(redis.tls());
    assertFalse(redis.cluster());
    assertNull(redis.user());
    assertNull(redis.password());
    assertEquals(0, redis.db());
    assertEquals("redis://127.0.0.1:6380/0", redis.describe());
  }

  @Test
  void thePortDefaultsTo6379() {
    assertEquals(List.of(new RedisEndpoint("redis.internal", 6379)), redis(Map.of("REDIS_ADDR", "redis.internal")).seeds());
    assertEquals(List.of(new RedisEndpoint("cache", 6379)), redis(Map.of("REDIS_ADDR", "redis://cache")).seeds());
    assertEquals(List.of(new RedisEndpoint("::1", 6379)), redis(Map.of("REDIS_ADDR", "[::1]")).seeds());
  }

  @Test
  void ipv6AddressesGoInBrackets() {
    RedisSettings plain = redis(Map.of("REDIS_ADDR", "[::1]:6390"));
    assertEquals(List.of(new RedisEndpoint("::1", 6390)), plain.seeds());
    assertEquals("redis://[::1]:6390/0", plain.describe());
    RedisSettings url = redis(Map.of("REDIS_ADDR", "rediss://[2001:db8::7]:6400/1"));
    assertEquals(List.of(new RedisEndpoint("2001:db8::7", 6400)), url.seeds());
    assertTrue(url.tls());
    assertEquals(1, url.db());
    assertMessage(Map.of("REDIS_ADDR", "::1:6379"),
        "REDIS_ADDR has an IPv6 address without brackets in '::1:6379': write it in brackets, e.g. [::1]:6379");
    assertMessage(Map.of("REDIS_ADDR", "[::1:6379"), "REDIS_ADDR has an unclosed [ in '[::1:6379'");
  }

  @Test
  void aUrlCarriesUserPasswordAndDatabase() {
    RedisSettings redis = redis(Map.of("REDIS_ADDR", "redis://app:s3cret@10.0.0.5:6381/4"));
    assertEquals(List.of(new RedisEndpoint("10.0.0.5", 6381)), redis.seeds());
    assertEquals("app", redis.user());
    assertEquals("s3cret", redis.password());
    assertEquals(4, redis.db());
    assertFalse(redis.tls());
    assertEquals("redis://app@10.0.0.5:6381/4", redis.describe());
  }

  @Test
  void aUrlWithoutAUserCarriesOnlyAPassword() {
    RedisSettings colon = redis(Map.of("REDIS_ADDR", "redis://:s3cret@h:1"));
    assertNull(colon.user());
    assertEquals("s3cret", colon.password());
    RedisSettings bare = redis(Map.of("REDIS_ADDR", "redis://s3cret@h:1"));
    assertNull(bare.user());
    assertEquals("s3cret", bare.password());
  }

  @Test
  void aUrlsPasswordIsPercentDecodedAndMayHoldAnAt() {
    assertEquals("p@ss:w/rd+", redis(Map.of("REDIS_ADDR", "redis://u:p%40ss%3Aw%2Frd+@h:1")).password());
    assertEquals("p@ss", redis(Map.of("REDIS_ADDR", "redis://u:p@ss@h:1")).password());
  }

  @Test
  void redissMeansTls() {
    RedisSettings redis = redis(Map.of("REDIS_ADDR", "rediss://redis.example.com:6380"));
    assertTrue(redis.tls());
    assertEquals("rediss://redis.example.com:6380/0", redis.describe());
    assertTrue(redis(Map.of("REDIS_ADDR", "REDISS://h:1")).tls(), "the scheme is case-insensitive");
  }

  @Test
  void redisPassWinsOverTheUrlsPasswordAndSaysSo() {
    ConfigLoader.Loaded loaded = ConfigLoader.load(Map.of("REDIS_ADDR", "redis://u:from-url@h:1", "REDIS_PASS", "from-env"));
    assertEquals("from-env", loaded.config().redis().password());
    assertEquals("u", loaded.config().redis().user());
    assertTrue(loaded.notices().contains("REDIS_PASS and the password in REDIS_ADDR differ: using REDIS_PASS"),
        loaded.notices().toString());
    assertFalse(loaded.notices().toString().contains("from-url"));
    assertFalse(loaded.notices().toString().contains("from-env"));
    assertEquals("from-env", redis(Map.of("REDIS_ADDR", "h:1", "REDIS_PASS", "from-env")).password());
  }

  @Test
  void redisDbWinsOverTheUrlsDatabase() {
    ConfigLoader.Loaded loaded = ConfigLoader.load(Map.of("REDIS_ADDR", "redis://h:1/3", "REDIS_DB", "5"));
    assertEquals(5, loaded.config().redis().db());
    assertTrue(loaded.notices().contains("REDIS_DB=5 and the database in REDIS_ADDR (/3) differ: using REDIS_DB"));
    assertEquals(3, redis(Map.of("REDIS_ADDR", "redis://h:1/3")).db());
  }

  @Test
  void aClusterIsAListOfSeeds() {
    RedisSettings redis = redis(Map.of("REDIS_CLUSTER", "true",
        "REDIS_ADDR", "127.0.0.1:7000, 127.0.0.1:7001,redis://127.0.0.1:7002"));
    assertTrue(redis.cluster());
    assertEquals(List.of(new RedisEndpoint("127.0.0.1", 7000), new RedisEndpoint("127.0.0.1", 7001),
        new RedisEndpoint("127.0.0.1", 7002)), redis.seeds());
    assertEquals(0, redis.db());
    assertEquals("cluster of 3 seeds (127.0.0.1:7000, 127.0.0.1:7001, 127.0.0.1:7002)", redis.describe());
  }

  @Test
  void aClusterOfTlsSeedsSharesItsCredentials() {
    RedisSettings redis = redis(Map.of("REDIS_CLUSTER", "true",
        "REDIS_ADDR", "rediss://u:pw@a:7000,rediss://u:pw@[fd00::2]:7001"));
    assertTrue(redis.tls());
    assertEquals("u", redis.user());
    assertEquals("pw", redis.password());
    assertEquals("TLS cluster of 2 seeds (a:7000, [fd00::2]:7001) as u", redis.describe());
    assertEquals("cluster of 1 seed (a:6379)", redis(Map.of("REDIS_CLUSTER", "true", "REDIS_ADDR", "a")).describe());
  }

  @Test
  void clusterSeedsMustAgreeOnTls() {
    assertMessage(Map.of("REDIS_CLUSTER", "true", "REDIS_ADDR", "rediss://a:7000,b:7001"),
        "REDIS_ADDR mixes TLS (rediss://) and plain seeds in 'rediss://a:7000,b:7001': every seed of a cluster must "
            + "agree, e.g. rediss://host:port for all of them");
    assertMessage(Map.of("REDIS_CLUSTER", "true", "REDIS_ADDR", "redis://u:one@a:7000,redis://u:two@b:7001"),
        "REDIS_ADDR gives different users or passwords to its seeds in 'redis://u:***@a:7000,redis://u:***@b:7001'");
  }

  @Test
  void aDatabaseIsRefusedForACluster() {
    assertMessage(Map.of("REDIS_CLUSTER", "true", "REDIS_ADDR", "a:7000", "REDIS_DB", "2"),
        "REDIS_DB cannot be used with REDIS_CLUSTER=true: Redis Cluster has only database 0; unset REDIS_DB");
    assertMessage(Map.of("REDIS_CLUSTER", "true", "REDIS_ADDR", "redis://a:7000/2"),
        "REDIS_ADDR names database 2 in 'redis://a:7000/2', but Redis Cluster has only database 0: remove /2 from the URL");
    assertEquals(0, redis(Map.of("REDIS_CLUSTER", "true", "REDIS_ADDR", "redis://a:7000/0")).db());
  }

  @Test
  void severalAddressesWithoutClusterAreRefused() {
    assertMessage(Map.of("REDIS_ADDR", "a:7000,b:7001"),
        "REDIS_ADDR lists 2 addresses, but REDIS_CLUSTER is not true: set REDIS_CLUSTER=true for a Redis Cluster, "
            + "or give one address");
    assertEquals("pa,ss", redis(Map.of("REDIS_ADDR", "redis://u:pa,ss@h:1")).password(),
        "a single node's password may hold a comma");
  }

  @Test
  void badRedisAddressesStopStartUpWithOneLineSayingWhatIsWrong() {
    assertMessage(Map.of("REDIS_ADDR", "h:port"),
        "REDIS_ADDR has a bad port in 'h:port': the port must be a number between 1 and 65535");
    assertMessage(Map.of("REDIS_ADDR", "h:0"), "REDIS_ADDR has a bad port in 'h:0'");
    assertMessage(Map.of("REDIS_ADDR", "h:65536"), "REDIS_ADDR has a bad port in 'h:65536'");
    assertMessage(Map.of("REDIS_ADDR", "h:"), "REDIS_ADDR has a bad port in 'h:'");
    assertMessage(Map.of("REDIS_ADDR", ":6379"), "REDIS_ADDR has no host in ':6379'");
    assertMessage(Map.of("REDIS_ADDR", "redis://"), "REDIS_ADDR has no host in 'redis://'");
    assertMessage(Map.of("REDIS_ADDR", "http://h:6379"),
        "REDIS_ADDR must be host:port or redis://[user:password@]host:port[/db] (rediss:// for TLS), got 'http://h:6379'");
    assertMessage(Map.of("REDIS_ADDR", "redis://h:1/16"),
        "REDIS_ADDR has a bad database '/16' in 'redis://h:1/16': after the port comes only a database number "
            + "between 0 and 15");
    assertMessage(Map.of("REDIS_ADDR", "redis://h:1/0?ssl=true"), "REDIS_ADDR has a bad database '/0?ssl=true'");
    assertMessage(Map.of("REDIS_ADDR", "h_1 h2:1"), "REDIS_ADDR has a bad host 'h_1 h2'");
    assertMessage(Map.of("REDIS_CLUSTER", "true", "REDIS_ADDR", "a:7000,,b:7001"),
        "REDIS_ADDR has an empty entry in 'a:7000,,b:7001': separate seeds with one comma");
    assertMessage(Map.of("REDIS_CLUSTER", "yes", "REDIS_ADDR", "a:7000"),
        "REDIS_CLUSTER must be 'true' or 'false', got 'yes'");
    assertMessage(Map.of("REDIS_ADDR", "h:1", "REDIS_DB", "16"), "REDIS_DB must be between 0 and 15, got 16");
  }

  @Test
  void aPasswordOutsideAUrlIsRefusedWithoutBeingQuoted() {
    assertMessage(Map.of("REDIS_ADDR", "user:hunter2@h:6379"),
        "REDIS_ADDR must be host:port or redis://[user:password@]host:port[/db] (rediss:// for TLS), "
            + "got 'user:***@h:6379': a user, password or database needs the redis:// form");
  }

  @Test
  void messagesAboutABadAddressNeverQuoteThePassword() {
    for (String addr : List.of("redis://u:hunter2@h:port", "redis://hunter2@h:port", "http://u:hunter2@h:1",
        "redis://u:hunter2@h:1/99", "redis://u:hunter2@::1:5", "redis://u:hunter2@a,b")) {
      ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("REDIS_ADDR", addr)));
      assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
    ConfigException cluster = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of(
        "REDIS_CLUSTER", "true", "REDIS_ADDR", "redis://u:hunter2@a:1,rediss://u:hunter2@b:2")));
    assertFalse(cluster.getMessage().contains("hunter2"), cluster.getMessage());
  }

  @Test
  void theRedisPasswordNeverAppearsInTheSettingsText() {
    RedisSettings redis = redis(Map.of("REDIS_ADDR", "redis://admin:url-secret@h:1/2", "REDIS_PASS", "env-secret"));
    Config config = ConfigLoader.load(Map.of("REDIS_ADDR", "redis://admin:url-secret@h:1/2")).config();
    for (String text : List.of(redis.toString(), redis.describe(), config.toString(), config.redis().toString())) {
      assertFalse(text.contains("secret"), text);
    }
    assertTrue(redis.toString().contains("password=set"), redis.toString());
    assertTrue(config.toString().contains("redis=redis://admin@h:1/2"), config.toString());
  }

  // --- Durations and the other Redis-mode settings -----------------------------------------------------------------

  @Test
  void redisModeSettingsHaveDefaults() {
    Config config = ConfigLoader.load(Map.of()).config();
    assertEquals(Duration.ofDays(7), config.stateTtl());
    assertEquals(Duration.ofSeconds(30), config.claimIdle());
    assertEquals(Duration.ofSeconds(30), config.shutdownGrace());
    assertEquals(Duration.ofHours(1), config.cacheTtl());
    assertFalse(config.cacheAll());
    assertEquals(10_000, config.cacheMaxEntries());
    assertEquals(100_000, config.eventsMaxPerGraph());
    assertEquals(Config.defaults().stateTtl(), config.stateTtl());
  }

  @Test
  void durationsTakeSecondsOrAUnit() {
    assertEquals(Duration.ofSeconds(600), stateTtl("600"));
    assertEquals(Duration.ofSeconds(90), stateTtl("90s"));
    assertEquals(Duration.ofMinutes(10), stateTtl("10m"));
    assertEquals(Duration.ofHours(12), stateTtl("12h"));
    assertEquals(Duration.ofDays(7), stateTtl("7d"));
    assertEquals(Duration.ofDays(2), stateTtl(" 2D "));
    assertEquals(Duration.ofSeconds(1), stateTtl("1s"));
  }

  @Test
  void badDurationsStopStartUp() {
    String form = "DAGO_STATE_TTL must be a number of seconds or a number with a unit s, m, h or d "
        + "(e.g. 600, 10m, 12h, 7d), got ";
    for (String bad : List.of("7 days", "1.5h", "-5", "+5", "10ms", "h", "7w", "99999999999999d")) {
      assertMessage(Map.of("DAGO_STATE_TTL", bad), form + "'" + bad + "'");
    }
    assertMessage(Map.of("DAGO_STATE_TTL", "0"), "DAGO_STATE_TTL must be between 1s and 3650d, got '0'");
    assertMessage(Map.of("DAGO_STATE_TTL", "0d"), "DAGO_STATE_TTL must be between 1s and 3650d, got '0d'");
    assertMessage(Map.of("DAGO_STATE_TTL", "3651d"), "DAGO_STATE_TTL must be between 1s and 3650d, got '3651d'");
    assertMessage(Map.of("DAGO_CACHE_TTL", "soon"), "DAGO_CACHE_TTL must be a number of seconds");
  }

  @Test
  void settingACacheTtlCachesEveryNode() {
    Config seconds = ConfigLoader.load(Map.of("DAGO_CACHE_TTL", "600")).config();
    assertTrue(seconds.cacheAll());
    assertEquals(Duration.ofMinutes(10), seconds.cacheTtl());
    assertTrue(ConfigLoader.load(Map.of("DAGO_CACHE_TTL", "1h")).config().cacheAll(), "even when it is the default");
    assertFalse(ConfigLoader.load(Map.of("DAGO_CACHE_TTL", " ")).config().cacheAll(), "blank is unset");
  }

  @Test
  void redisModeNumbersHaveBounds() {
    assertMessage(Map.of("DAGO_CLAIM_IDLE_MS", "999"), "DAGO_CLAIM_IDLE_MS must be between 1000 and 86400000, got 999");
    assertMessage(Map.of("DAGO_SHUTDOWN_GRACE_SECONDS", "3601"),
        "DAGO_SHUTDOWN_GRACE_SECONDS must be between 0 and 3600, got 3601");
    assertMessage(Map.of("DAGO_SHUTDOWN_GRACE_SECONDS", "-1"),
        "DAGO_SHUTDOWN_GRACE_SECONDS must be between 0 and 3600, got -1");
    assertMessage(Map.of("DAGO_EVENTS_MAX_PER_GRAPH", "999"),
        "DAGO_EVENTS_MAX_PER_GRAPH must be between 1000 and 100000000, got 999");
    assertMessage(Map.of("DAGO_CACHE_MAX_ENTRIES", "0"), "DAGO_CACHE_MAX_ENTRIES must be between 1 and 10000000, got 0");
    assertMessage(Map.of("DAGO_CLAIM_IDLE_MS", "30s"), "DAGO_CLAIM_IDLE_MS must be a whole number, got '30s'");
  }

  @Test
  void theConfigurationsTextNamesTheNewSettingsReadably() {
    String text = ConfigLoader.load(Map.of("DAGO_CACHE_TTL", "90m")).config().toString();
    assertTrue(text.contains("redis=embedded"), text);
    assertTrue(text.contains("stateTtl=7d"), text);
    assertTrue(text.contains("claimIdle=30s"), text);
    assertTrue(text.contains("cache=every node/90m/10000 entries"), text);
    assertTrue(text.contains("shutdownGrace=30s"), text);
  }

  private static RedisSettings redis(Map<String, String> env) {
    RedisSettings redis = ConfigLoader.load(env).config().redis();
    assertNotNull(redis);
    return redis;
  }

  private static Duration stateTtl(String value) {
    return ConfigLoader.load(Map.of("DAGO_STATE_TTL", value)).config().stateTtl();
  }

  private static void assertMessage(Map<String, String> env, String expectedStart) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env));
    assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }
}
