package io.dago.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Every setting dago reads, read once at start-up by {@link ConfigLoader} and passed in from there.
 * Nothing else in the code base reads the environment.
 *
 * @param redis where Redis is ({@code REDIS_ADDR} and friends), or null to run embedded, in memory
 * @param stateTtl how long a finished graph's keys live in Redis ({@code DAGO_STATE_TTL})
 * @param claimIdle how long a task taken by an instance that has gone silent stays unacknowledged before another
 *     instance takes it over ({@code DAGO_CLAIM_IDLE_MS})
 * @param eventsMaxPerGraph the most events a graph's stream keeps in Redis; older ones are trimmed
 *     ({@code DAGO_EVENTS_MAX_PER_GRAPH})
 * @param cacheTtl how long a cached model reply is reused ({@code DAGO_CACHE_TTL}; 1 h when unset)
 * @param cacheAll whether every node uses the reply cache (true when {@code DAGO_CACHE_TTL} is set), rather than
 *     only nodes with {@code "cache": true}
 * @param cacheMaxEntries the size of the in-memory reply cache, least recently used first out
 *     ({@code DAGO_CACHE_MAX_ENTRIES})
 * @param shutdownGrace how long stopping waits for running nodes before it abandons them
 *     ({@code DAGO_SHUTDOWN_GRACE_SECONDS})
 * @param security tokens, TLS and rate limits
 * @param limits input bounds, timeouts, backpressure and the guards around model providers
 */
public record Config(
    String bindAddress,
    int httpPort,
    int grpcPort,
    int wsPort,
    LogLevel logLevel,
    LogFormat logFormat,
    String instanceId,
    RedisSettings redis,
    Duration stateTtl,
    Duration claimIdle,
    int eventsMaxPerGraph,
    LlmProviderKind llmProvider,
    String llmApiKey,
    URI llmBaseUrl,
    String defaultModel,
    int workerPoolSize,
    Duration echoLatency,
    Duration cacheTtl,
    boolean cacheAll,
    int cacheMaxEntries,
    long maxBodyBytes,
    int maxNodes,
    boolean metricsEnabled,
    int wsSendBuffer,
    int wsPingSeconds,
    Duration shutdownGrace,
    SecuritySettings security,
    Limits limits) {

  public static final String DEFAULT_MODEL = "claude-sonnet-4-5";

  public Config {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(logLevel, "logLevel");
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(llmProvider, "llmProvider");
    Objects.requireNonNull(llmBaseUrl, "llmBaseUrl");
    Objects.requireNonNull(defaultModel, "defaultModel");
    Objects.requireNonNull(echoLatency, "echoLatency");
    Objects.requireNonNull(stateTtl, "stateTtl");
    Objects.requireNonNull(claimIdle, "claimIdle");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(limits, "limits");
  }

  /** The embedded defaults: what {@code java -jar dago.jar} runs with when the environment sets nothing. */
  public static Config defaults() {
    return new Config("0.0.0.0", 8080, 9090, 8081, LogLevel.INFO, LogFormat.TEXT, defaultInstanceId(),
        null, Duration.ofDays(7), Duration.ofSeconds(30), 100_000,
        LlmProviderKind.ECHO, null, URI.create("https://api.anthropic.com"), DEFAULT_MODEL, 5, Duration.ZERO,
        Duration.ofHours(1), false, 10_000,
        4L * 1024 * 1024, 10_000, true, 8192, 30, Duration.ofSeconds(30), SecuritySettings.open(), Limits.defaults());
  }

  /** This process on this host: unique among instances that share a Redis, and readable in logs. */
  static String defaultInstanceId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "dago";
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  /** Redis mode: graphs, events and the task queue live in Redis, shared by every instance that points at it. */
  public boolean redisEnabled() {
    return redis != null;
  }

  /** Never prints secrets: records print every component, so this one is written by hand. */
  @Override
  public String toString() {
    return "Config[bind=" + bindAddress + ", http=" + httpPort + ", grpc=" + grpcPort + ", ws=" + wsPort
        + ", log=" + logLevel + "/" + logFormat + ", instance=" + instanceId
        + ", redis=" + (redis == null ? "embedded" : redis.describe())
        + ", stateTtl=" + DurationText.format(stateTtl) + ", claimIdle=" + DurationText.format(claimIdle)
        + ", eventsMaxPerGraph=" + eventsMaxPerGraph
        + ", llm=" + llmProvider + ", llmBaseUrl=" + llmBaseUrl + ", model=" + defaultModel
        + ", workers=" + workerPoolSize
        + ", cache=" + (cacheAll ? "every node" : "nodes asking") + "/" + DurationText.format(cacheTtl)
        + "/" + cacheMaxEntries + " entries, metrics=" + metricsEnabled
        + ", wsSendBuffer=" + wsSendBuffer + ", wsPing=" + wsPingSeconds + "s"
        + ", shutdownGrace=" + DurationText.format(shutdownGrace) + ", " + security + ", " + limits + "]";
  }
}
