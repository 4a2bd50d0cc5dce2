package io.dago.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens, TLS, rate limits and the other bounds: read once, checked at start-up, never printed. */
class HardeningConfigTest {
  private static final String TOKEN_A = "a-token-of-24-characters";
  private static final String TOKEN_B = "another-token-0123456789";

  private static Config load(Map<String, String> env) {
    return ConfigLoader.load(env).config();
  }

  private static void assertMessage(Map<String, String> env, String expectedStart) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env));
    assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
  }

  @Test
  void byDefaultTheApiIsOpenPlainAndUnlimited() {
    SecuritySettings security = load(Map.of()).security();
    assertFalse(security.authRequired());
    assertFalse(security.tls());
    assertFalse(security.rateLimited());
    assertEquals(Limits.defaults(), load(Map.of()).limits());
  }

  @Test
  void tokensComeCommaSeparatedOrFromAFileAndAreNeverPrinted(@TempDir Path dir) throws Exception {
    Config listed = load(Map.of("DAGO_API_TOKENS", TOKEN_A + ", " + TOKEN_B));
    assertEquals(List.of(TOKEN_A, TOKEN_B), listed.security().apiTokens());
    Path file = dir.resolve("tokens");
    Files.writeString(file, "# rotated 2026-11\n" + TOKEN_B + "\n\n" + TOKEN_A + "\n");
    assertEquals(List.of(TOKEN_B, TOKEN_A), load(Map.of("DAGO_API_TOKENS", "@" + file)).security().apiTokens());
    assertFalse(listed.toString().contains(TOKEN_A), listed.toString());
    assertFalse(listed.security().toString().contains(TOKEN_B));
  }

  @Test
  void badTokenSettingsStopStartUpWithoutShowingTheToken(@TempDir Path dir) {
    assertMessage(Map.of("DAGO_API_TOKENS", "short"), "DAGO_API_TOKENS: token 1 must be at least 16");
    assertMessage(Map.of("DAGO_API_TOKENS", " , "), "DAGO_API_TOKENS is set but holds no token");
    assertMessage(Map.of("DAGO_API_TOKENS", "@" + dir.resolve("missing")), "DAGO_API_TOKENS names the file");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("DAGO_API_TOKENS", TOKEN_A + ",with space in it 123")));
    assertFalse(e.getMessage().contains("with space"), e.getMessage());
  }

  @Test
  void tlsNeedsACertificateAndItsKeyBothReadable(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n");
    Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n");
    SecuritySettings tls = load(Map.of("DAGO_TLS_CERT", cert.toString(), "DAGO_TLS_KEY", key.toString())).security();
    assertTrue(tls.tls());
    assertEquals(key, tls.tlsKey());
    assertMessage(Map.of("DAGO_TLS_CERT", cert.toString()), "DAGO_TLS_CERT and DAGO_TLS_KEY must be set together");
    assertMessage(Map.of("DAGO_TLS_CERT", cert.toString(), "DAGO_TLS_KEY", dir.resolve("nope").toString()),
        "DAGO_TLS_KEY names");
  }

  @Test
  void theRateLimitTakesFractionsAndItsBurstDefaultsToTwoSecondsOfIt() {
    SecuritySettings limited = load(Map.of("DAGO_RATE_LIMIT", "50")).security();
    assertEquals(50.0, limited.rateLimit());
    assertEquals(100, limited.rateBurst());
    assertEquals(1, load(Map.of("DAGO_RATE_LIMIT", "0.2")).security().rateBurst());
    assertEquals(7, load(Map.of("DAGO_RATE_LIMIT", "0.2", "DAGO_RATE_BURST", "7")).security().rateBurst());
    assertMessage(Map.of("DAGO_RATE_LIMIT", "0"), "DAGO_RATE_LIMIT must be a number of requests per second above 0");
    assertMessage(Map.of("DAGO_RATE_LIMIT", "fast"), "DAGO_RATE_LIMIT must be");
  }

  @Test
  void boundsAreReadWithTheirRanges() {
    Limits limits = load(Map.of("DAGO_MAX_QUEUED_NODES", "500", "LLM_MAX_CONCURRENCY", "8",
        "LLM_BREAKER_FAILURES", "3", "LLM_BREAKER_OPEN_SECONDS", "2", "DAGO_IDLE_TIMEOUT_SECONDS", "5")).limits();
    assertEquals(500, limits.maxQueuedNodes());
    assertEquals(8, limits.llmMaxConcurrency());
    assertEquals(3, limits.breakerFailures());
    assertEquals(Duration.ofSeconds(2), limits.breakerOpen());
    assertEquals(Duration.ofSeconds(5), limits.idleTimeout());
    assertMessage(Map.of("DAGO_WS_MAX_FRAME_BYTES", "10"), "DAGO_WS_MAX_FRAME_BYTES must be between 1024");
  }
}
