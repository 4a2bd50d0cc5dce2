package io.dago.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns environment variables into a {@link Config}. The only class that looks at the environment;
 * the map is passed in so that tests can give their own.
 */
public final class ConfigLoader {

  private static final Duration MIN_DURATION = Duration.ofSeconds(1);
  private static final Duration MAX_DURATION = Duration.ofDays(3650);

  private final Map<String, String> env;
  private final List<String> notices = new ArrayList<>();

  private ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  /** The result of loading: the configuration and lines worth logging once at start-up. */
  public record Loaded(Config config, List<String> notices) {}

  public static Loaded fromEnvironment() {
    return load(System.getenv());
  }

  /** @throws ConfigException naming the first bad variable */
  public static Loaded load(Map<String, String> env) {
    ConfigLoader loader = new ConfigLoader(env);
    Config config = loader.build();
    return new Loaded(config, List.copyOf(loader.notices));
  }

  private Config build() {
    Config d = Config.defaults();
    String apiKey = text("LLM_API_KEY");
    LlmProviderKind provider = provider(apiKey);
    return new Config(
        text("DAGO_BIND") == null ? d.bindAddress() : text("DAGO_BIND"),
        port("DAGO_HTTP_PORT", d.httpPort()),
        port("DAGO_GRPC_PORT", d.grpcPort()),
        port("DAGO_WS_PORT", d.wsPort()),
        choice("LOG_LEVEL", LogLevel.class, LogLevel.INFO),
        choice("LOG_FORMAT", LogFormat.class, LogFormat.TEXT),
        text("DAGO_INSTANCE_ID") == null ? d.instanceId() : text("DAGO_INSTANCE_ID"),
        redis(),
        duration("DAGO_STATE_TTL", d.stateTtl()),
        Duration.ofMillis(number("DAGO_CLAIM_IDLE_MS", d.claimIdle().toMillis(), 1000, 86_400_000)),
        (int) number("DAGO_EVENTS_MAX_PER_GRAPH", d.eventsMaxPerGraph(), 1000, 100_000_000),
        provider,
        apiKey,
        baseUrl(d.llmBaseUrl()),
        text("DAGO_DEFAULT_MODEL") == null ? d.defaultModel() : text("DAGO_DEFAULT_MODEL"),
        (int) number("WORKER_POOL_SIZE", d.workerPoolSize(), 1, 100_000),
        Duration.ofMillis(number("LLM_ECHO_LATENCY_MS", 0, 0, 3_600_000)),
        duration("DAGO_CACHE_TTL", d.cacheTtl()),
        text("DAGO_CACHE_TTL") != null,
        (int) number("DAGO_CACHE_MAX_ENTRIES", d.cacheMaxEntries(), 1, 10_000_000),
        number("DAGO_MAX_BODY_BYTES", d.maxBodyBytes(), 1024, 1L << 30),
        (int) number("DAGO_MAX_NODES", d.maxNodes(), 1, 1_000_000),
        flag("DAGO_METRICS", d.metricsEnabled()),
        (int) number("DAGO_WS_SEND_BUFFER", d.wsSendBuffer(), 16, 1_000_000),
        (int) number("DAGO_WS_PING_SECONDS", d.wsPingSeconds(), 0, 3600),
        Duration.ofSeconds(number("DAGO_SHUTDOWN_GRACE_SECONDS", d.shutdownGrace().toSeconds(), 0, 3600)),
        security(),
        limits(d.limits()));
  }

  private SecuritySettings security() {
    List<String> tokens = tokens();
    String cert = text("DAGO_TLS_CERT");
    String key = text("DAGO_TLS_KEY");
    if ((cert == null) != (key == null)) {
      throw new ConfigException("DAGO_TLS_CERT and DAGO_TLS_KEY must be set together (a PEM certificate chain and "
          + "its PEM private key)");
    }
    double rate = rate();
    int burst = (int) number("DAGO_RATE_BURST", Math.max(1, (long) Math.ceil(2 * rate)), 1, 1_000_000);
    return new SecuritySettings(tokens, flag("DAGO_METRICS_AUTH", false), readable("DAGO_TLS_CERT", cert),
        readable("DAGO_TLS_KEY", key), rate, burst);
  }

  /** Comma-separated tokens, or {@code @/path} to a file with one token per line (blank lines and # comments skipped). */
  private List<String> tokens() {
    String raw = text("DAGO_API_TOKENS");
    if (raw == null) {
      return List.of();
    }
    List<String> lines;
    if (raw.startsWith("@")) {
      Path file = Path.of(raw.substring(1));
      try {
        lines = Files.readAllLines(file);
      } catch (IOException e) {
        throw new ConfigException("DAGO_API_TOKENS names the file " + file + ", which cannot be read: "
            + e.getClass().getSimpleName());
      }
    } else {
      lines = List.of(raw.split(","));
    }
    List<String> tokens = new ArrayList<>();
    for (String line : lines) {
      String token = line.strip();
      if (token.isEmpty() || token.startsWith("#")) {
        continue;
      }
      if (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
        throw new ConfigException("DAGO_API_TOKENS: token " + (tokens.size() + 1) + " must be at least 16 printable "
            + "ASCII characters without spaces");
      }
      tokens.add(token);
    }
    if (tokens.isEmpty()) {
      throw new ConfigException("DAGO_API_TOKENS is set but holds no token");
    }
    return tokens;
  }

  private double rate() {
    String raw = text("DAGO_RATE_LIMIT");
    if (raw == null) {
      return 0;
    }
    try {
      double rate = Double.parseDouble(raw);
      if (rate > 0 && rate <= 1_000_000) {
        return rate;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new ConfigException("DAGO_RATE_LIMIT must be a number of requests per second above 0 (e.g. 50 or 0.5), "
        + "got '" + raw + "'");
  }

  private static Path readable(String name, String file) {
    if (file == null) {
      return null;
    }
    Path path = Path.of(file);
    if (!Files.isReadable(path)) {
      throw new ConfigException(name + " names " + path + ", which is not a readable file");
    }
    return path;
  }

  private Limits limits(Limits d) {
    return new Limits(
        (int) number("DAGO_MAX_PROMPT_BYTES", d.maxPromptBytes(), 1024, 64L << 20),
        (int) number("DAGO_MAX_HEADER_BYTES", d.maxHeaderBytes(), 1024, 1 << 20),
        (int) number("DAGO_WS_MAX_FRAME_BYTES", d.wsMaxFrameBytes(), 1024, 16 << 20),
        Duration.ofSeconds(number("DAGO_IDLE_TIMEOUT_SECONDS", d.idleTimeout().toSeconds(), 1, 86_400)),
        Duration.ofSeconds(number("DAGO_REQUEST_TIMEOUT_SECONDS", d.requestTimeout().toSeconds(), 1, 3600)),
        (int) number("DAGO_MAX_QUEUED_NODES", d.maxQueuedNodes(), 1, 100_000_000),
        (int) number("LLM_MAX_CONCURRENCY", d.llmMaxConcurrency(), 0, 100_000),
        (int) number("LLM_BREAKER_FAILURES", d.breakerFailures(), 1, 1000),
        Duration.ofSeconds(number("LLM_BREAKER_OPEN_SECONDS", d.breakerOpen().toSeconds(), 1, 3600)),
        (int) number("DAGO_MAX_FINISHED_GRAPHS", d.maxFinishedGraphs(), 1, 100_000_000));
  }

  /**
   * Redis mode's settings, or null when REDIS_ADDR is unset. REDIS_PASS, REDIS_DB and REDIS_CLUSTER are checked
   * either way, so that a typo surfaces before the day Redis mode is switched on.
   */
  private RedisSettings redis() {
    boolean cluster = flag("REDIS_CLUSTER", false);
    String password = text("REDIS_PASS");
    Integer db = text("REDIS_DB") == null ? null : (int) number("REDIS_DB", 0, 0, 15);
    if (cluster && db != null) {
      throw new ConfigException("REDIS_DB cannot be used with REDIS_CLUSTER=true: Redis Cluster has only database 0; "
          + "unset REDIS_DB");
    }
    String raw = text("REDIS_ADDR");
    if (raw == null) {
      return null;
    }
    RedisAddress address = RedisAddress.parse(raw, cluster);
    if (password != null && address.password() != null && !password.equals(address.password())) {
      notices.add("REDIS_PASS and the password in REDIS_ADDR differ: using REDIS_PASS");
    }
    if (db != null && address.db() != null && !db.equals(address.db())) {
      notices.add("REDIS_DB=" + db + " and the database in REDIS_ADDR (/" + address.db() + ") differ: using REDIS_DB");
    }
    return new RedisSettings(address.seeds(), address.tls(), address.user(),
        password != null ? password : address.password(),
        db != null ? db : address.db() != null ? address.db() : 0, cluster);
  }

  /** A whole number of seconds, or with a unit s, m, h or d; from one second to ten years. */
  private Duration duration(String name, Duration fallback) {
    String raw = text(name);
    if (raw == null) {
      return fallback;
    }
    Duration value = DurationText.parse(raw);
    if (value == null) {
      throw new ConfigException(name + " must be a number of seconds or a number with a unit s, m, h or d "
          + "(e.g. 600, 10m, 12h, 7d), got '" + raw + "'");
    }
    if (value.compareTo(MIN_DURATION) < 0 || value.compareTo(MAX_DURATION) > 0) {
      throw new ConfigException(name + " must be between " + DurationText.format(MIN_DURATION) + " and "
          + DurationText.format(MAX_DURATION) + ", got '" + raw + "'");
    }
    return value;
  }

  private LlmProviderKind provider(String apiKey) {
    String raw = text("LLM_PROVIDER");
    if (raw == null) {
      if (apiKey != null) {
        return LlmProviderKind.ANTHROPIC;
      }
      notices.add("LLM_API_KEY is not set: using the offline echo provider (set LLM_API_KEY to call Claude)");
      return LlmProviderKind.ECHO;
    }
    LlmProviderKind kind;
    try {
      kind = LlmProviderKind.valueOf(raw.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("LLM_PROVIDER must be 'anthropic' or 'echo', got '" + raw + "'");
    }
    if (kind == LlmProviderKind.ANTHROPIC && apiKey == null) {
      throw new ConfigException("LLM_PROVIDER=anthropic needs LLM_API_KEY to be set");
    }
    return kind;
  }

  private <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
    String raw = text(name);
    if (raw == null) {
      return fallback;
    }
    try {
      return Enum.valueOf(type, raw.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      String allowed = java.util.Arrays.stream(type.getEnumConstants())
          .map(c -> c.name().toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors.joining(", "));
      throw new ConfigException(name + " must be one of " + allowed + "; got '" + raw + "'");
    }
  }

  private URI baseUrl(URI fallback) {
    String raw = text("LLM_BASE_URL");
    if (raw == null) {
      return fallback;
    }
    try {
      URI uri = URI.create(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new ConfigException("LLM_BASE_URL must be an http(s) URL such as https://api.anthropic.com, got '" + raw + "'");
    }
  }

  private int port(String name, int fallback) {
    return (int) number(name, fallback, 0, 65_535);
  }

  private long number(String name, long fallback, long min, long max) {
    String raw = text(name);
    if (raw == null) {
      return fallback;
    }
    long value;
    try {
      value = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a whole number, got '" + raw + "'");
    }
    if (value < min || value > max) {
      throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  private boolean flag(String name, boolean fallback) {
    String raw = text(name);
    if (raw == null) {
      return fallback;
    }
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(name + " must be 'true' or 'false', got '" + raw + "'");
    };
  }

  /** A variable's trimmed value, or null when it is unset or blank. */
  private String text(String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return null;
    }
    return value.trim();
  }
}
