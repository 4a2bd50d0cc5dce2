package io.dago.log;

import io.dago.config.LogFormat;
import io.dago.config.LogLevel;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Points java.util.logging at stderr, one line per record (text or JSON), at the configured level. */
public final class Logging {
  /** Held so the level set on it is not lost: java.util.logging keeps loggers only weakly. */
  private static final Logger DAGO = Logger.getLogger("io.dago");

  private Logging() {}

  public static void configure(LogLevel level, LogFormat format, String instance) {
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
    }
    ConsoleHandler stderr = new ConsoleHandler();
    stderr.setFormatter(format == LogFormat.JSON ? new JsonFormatter(instance) : new LineFormatter());
    stderr.setLevel(Level.ALL);
    root.addHandler(stderr);
    root.setLevel(Level.INFO);
    // Only dago's own loggers go down to debug; libraries stay at info so debug output remains readable.
    DAGO.setLevel(level.julLevel());
    if (level != LogLevel.DEBUG) {
      root.setLevel(level.julLevel());
    }
  }
}
