package io.dago.config;

import java.util.logging.Level;

/** The levels {@code LOG_LEVEL} accepts, mapped onto java.util.logging. */
public enum LogLevel {
  ERROR(Level.SEVERE), WARN(Level.WARNING), INFO(Level.INFO), DEBUG(Level.FINE);

  private final Level julLevel;

  LogLevel(Level julLevel) {
    this.julLevel = julLevel;
  }

  public Level julLevel() {
    return julLevel;
  }
}
