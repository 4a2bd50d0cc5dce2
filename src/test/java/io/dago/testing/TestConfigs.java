package io.dago.testing;

import io.dago.config.Config;
import io.dago.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;

/** Configurations for tests, read from an environment map exactly as production reads the real one. */
public final class TestConfigs {
  private TestConfigs() {}

  /**
   * dago on loopback with every port picked by the system, plus the given variables.
   *
   * @param variables name and value pairs, e.g. {@code "WORKER_POOL_SIZE", "4"}; they win over the loopback defaults
   */
  public static Config embedded(String... variables) {
    return embedded(pairs(variables));
  }

  /** The same, with the variables as a map. */
  public static Config embedded(Map<String, String> variables) {
    return loopback(variables);
  }

  /**
   * dago in Redis mode on loopback, every port picked by the system, with the offline echo provider.
   *
   * @param redisAddr what {@code REDIS_ADDR} would say, e.g. {@code "127.0.0.1:6379"}
   * @param variables name and value pairs as for {@link #embedded(String...)}; they win over the defaults here
   */
  public static Config redis(String redisAddr, String... variables) {
    Map<String, String> env = new HashMap<>(Map.of("REDIS_ADDR", redisAddr, "LLM_PROVIDER", "echo"));
    env.putAll(pairs(variables));
    return loopback(env);
  }

  private static Config loopback(Map<String, String> variables) {
    Map<String, String> env = new HashMap<>(Map.of(
        "DAGO_BIND", "127.0.0.1", "DAGO_HTTP_PORT", "0", "DAGO_GRPC_PORT", "0", "DAGO_WS_PORT", "0"));
    env.putAll(variables);
    return ConfigLoader.load(env).config();
  }

  private static Map<String, String> pairs(String... variables) {
    if (variables.length % 2 != 0) {
      throw new IllegalArgumentException("variables come in name, value pairs");
    }
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < variables.length; i += 2) {
      env.put(variables[i], variables[i + 1]);
    }
    return env;
  }
}
