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
    LogFormat logFormat,
    String instanceId,
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
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(llmProvider, "llmProvider");
    Objects.requireNonNull(llmBaseUrl, "llmBaseUrl");
    Objects.requireNonNull(defaultModel, "defaultModel");
    Objects.requireNonNull(echoLatency, "echoLatency");
  }

  /** The embedded defaults: what {@code java -jar dago.jar} runs with when the environment sets nothing. */
  public static Config defaults() {
    return new Config("0.0.0.0", 8080, 9090, 8081, LogLevel.INFO, LogFormat.TEXT, defaultInstanceId(), null, null, 0,
        LlmProviderKind.ECHO, null, URI.create("https://api.anthropic.com"), DEFAULT_MODEL,
        5, Duration.ZERO, 4L * 1024 * 1024, 10_000, true, 8192, 30);
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

  public boolean redisEnabled() {
    return redisAddr != null;
  }







  /** Never prints secrets: records print every component, so this one is written by hand. */
  @Override
  public String toString() {
    return "Config[bind=" + bindAddress + ", http=" + httpPort + ", grpc=" + grpcPort + ", ws=" + wsPort
        + ", log=" + logLevel + "/" + logFormat + ", instance=" + instanceId + ", redis=" + (redisAddr == null ? "embedded" : redisAddr)
        + ", llm=" + llmProvider + ", llmBaseUrl=" + llmBaseUrl + ", model=" + defaultModel
        + ", workers=" + workerPoolSize + ", metrics=" + metricsEnabled
        + ", wsSendBuffer=" + wsSendBuffer + ", wsPing=" + wsPingSeconds + "s]";
  }
}
