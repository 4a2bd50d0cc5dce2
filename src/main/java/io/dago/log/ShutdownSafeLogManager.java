package io.dago.log;

import java.util.logging.LogManager;

/**
 * The JDK's log manager closes every handler from its own shutdown hook, which races dago's: the lines that say
 * how shutdown went would be lost. This one ignores that reset until dago's hook calls {@link #finish()}.
 */
public final class ShutdownSafeLogManager extends LogManager {
  private volatile boolean finished;

  @Override
  public void reset() {
    if (finished || !calledByTheJdksShutdownHook()) {
      super.reset();
    }
  }

  /** Called last by dago's shutdown: from here on the JDK may close the handlers. */
  public static void finish() {
    if (LogManager.getLogManager() instanceof ShutdownSafeLogManager manager) {
      manager.finished = true;
      manager.reset();
    }
  }

  private static boolean calledByTheJdksShutdownHook() {
    for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
      if (frame.getClassName().startsWith("java.util.logging.LogManager$Cleaner")) {
        return true;
      }
    }
    return false;
  }
}
