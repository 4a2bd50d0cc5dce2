package io.dago.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Every setting dago reads, read once at start-up by {@link ConfigLoader} and passed in from there.
 * Nothing else in the code base reads the environment.
 */
public record Config(
    String bindAddress,
    int httpPort,
    int grpcPort,
    int wsPort,
    LogLevel logLevel,
    String redisAddr,
    String redisPassword,
    int redisDb,
    LlmProviderKind llmProvider,
    String llmApiKey,
    URI llmBaseUrl,
    String defaultModel,
    int workerPoolSize,
    Duration echoLatency,
    long maxBodyBytes,
    int maxNodes,
    boolean metricsEnabled,
    int wsSendBuffer,
    int wsPingSeconds) {

  public static final String DEFAULT_MODEL = "claude-sonnet-4-5";

  public Config {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(logLevel, "logLevel");
    Objects.requireNonNull(llmProvider, "llmProvider");
    Objects.requireNonNull(llmBaseUrl, "llmBaseUrl");
    Objects.requireNonNull(defaultModel, "defaultModel");
    Objects.requireNonNull(echoLatency, "echoLatency");
  }

  /** The embedded defaults: what {@code java -jar dago.jar} runs with when the environment sets nothing. */
  public static Config defaults() {
    return new Config("0.0.0.0", 8080, 9090, 8081, LogLevel.INFO, null, null, 0,
        LlmProviderKind.ECHO, null, URI.create("https://api.anthropic.com"), DEFAULT_MODEL,
        5, Duration.ZERO, 4L * 1024 * 1024, 10_000, true, 1024, 30);
  }

  public boolean redisEnabled() {
    return redisAddr != null;
  }

  public Config withHttpPort(int port) {
    return new Config(bindAddress, port, grpcPort, wsPort, logLevel, redisAddr, redisPassword, redisDb,
        llmProvider, llmApiKey, llmBaseUrl, defaultModel, workerPoolSize, echoLatency, maxBodyBytes, maxNodes,
        metricsEnabled, wsSendBuffer, wsPingSeconds);
  }

  public Config withGrpcPort(int port) {
    return new Config(bindAddress, httpPort, port, wsPort, logLevel, redisAddr, redisPassword, redisDb,
        llmProvider, llmApiKey, llmBaseUrl, defaultModel, workerPoolSize, echoLatency, maxBodyBytes, maxNodes,
        metricsEnabled, wsSendBuffer, wsPingSeconds);
  }

  public Config withLlm(LlmProviderKind provider, String apiKey, URI baseUrl) {
    return new Config(bindAddress, httpPort, grpcPort, wsPort, logLevel, redisAddr, redisPassword, redisDb,
        provider, apiKey, baseUrl, defaultModel, workerPoolSize, echoLatency, maxBodyBytes, maxNodes,
        metricsEnabled, wsSendBuffer, wsPingSeconds);
  }

  public Config withWorkers(int poolSize, Duration echoLatency) {
    return new Config(bindAddress, httpPort, grpcPort, wsPort, logLevel, redisAddr, redisPassword, redisDb,
        llmProvider, llmApiKey, llmBaseUrl, defaultModel, poolSize, echoLatency, maxBodyBytes, maxNodes,
        metricsEnabled, wsSendBuffer, wsPingSeconds);
  }

  public Config withLimits(long maxBodyBytes, int maxNodes) {
    return new Config(bindAddress, httpPort, grpcPort, wsPort, logLevel, redisAddr, redisPassword, redisDb,
        llmProvider, llmApiKey, llmBaseUrl, defaultModel, workerPoolSize, echoLatency, maxBodyBytes, maxNodes,
        metricsEnabled, wsSendBuffer, wsPingSeconds);
  }

  public Config withMetrics(boolean enabled) {
    return new Config(bindAddress, httpPort, grpcPort, wsPort, logLevel, redisAddr, redisPassword, redisDb,
        llmProvider, llmApiKey, llmBaseUrl, defaultModel, workerPoolSize, echoLatency, maxBodyBytes, maxNodes,
        enabled, wsSendBuffer, wsPingSeconds);
  }

  /** Never prints secrets: records print every component, so this one is written by hand. */
  @Override
  public String toString() {
    return "Config[bind=" + bindAddress + ", http=" + httpPort + ", grpc=" + grpcPort + ", ws=" + wsPort
        + ", log=" + logLevel + ", redis=" + (redisAddr == null ? "embedded" : redisAddr)
        + ", llm=" + llmProvider + ", llmBaseUrl=" + llmBaseUrl + ", model=" + defaultModel
        + ", workers=" + workerPoolSize + ", metrics=" + metricsEnabled
        + ", wsSendBuffer=" + wsSendBuffer + ", wsPing=" + wsPingSeconds + "s]";
  }
}
