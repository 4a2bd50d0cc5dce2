package io.dago.store.redis;

/**
 * Redis could not be reached or would not let dago in. The message is one line fit to show an operator as it
 * is: it names the node and the setting to check, and never a password. The Jedis exception is kept as the
 * cause for debugging.
 */
public final class RedisUnavailableException extends RuntimeException {
  public RedisUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
