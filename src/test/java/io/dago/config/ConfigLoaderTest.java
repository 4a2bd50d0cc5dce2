package io.dago.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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
        Map.entry("DAGO_MAX_BODY_BYTES", "2048"), Map.entry("DAGO_MAX_NODES", "7"))).config();
    assertEquals(0, config.httpPort());
    assertEquals(9999, config.grpcPort());
    assertEquals(8888, config.wsPort());
    assertEquals("127.0.0.1", config.bindAddress());
    assertEquals(LogLevel.DEBUG, config.logLevel());
    assertEquals(LogFormat.JSON, config.logFormat());
    assertEquals("dago-a", config.instanceId());
    assertEquals("localhost:6379", config.redisAddr());
    assertEquals(2, config.redisDb());
    assertEquals("http://127.0.0.1:1234", config.llmBaseUrl().toString());
    assertEquals("claude-x", config.defaultModel());
    assertEquals(64, config.workerPoolSize());
    assertEquals(Duration.ofMillis(250), config.echoLatency());
    assertEquals(2048, config.maxBodyBytes());
    assertEquals(7, config.maxNodes());
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

  private static void assertMessage(Map<String, String> env, String expectedStart) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env));
    assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }
}
