package io.dago.config;

/** A setting is missing or malformed; the message names the variable and says what it must be. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
