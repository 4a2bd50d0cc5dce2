package io.dago;

import io.dago.config.ConfigException;
import io.dago.config.ConfigLoader;
import io.dago.log.Logging;
import java.util.logging.Logger;

/** {@code java -jar dago.jar}: reads the environment once, starts dago, and stops it gracefully on SIGTERM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ConfigLoader.Loaded loaded;
    try {
      loaded = ConfigLoader.fromEnvironment();
    } catch (ConfigException e) {
      System.err.println("dago: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(loaded.config().logLevel());
    Logger log = Logger.getLogger(Main.class.getName());
    loaded.notices().forEach(log::info);
    Dago dago;
    try {
      dago = Dago.start(loaded.config());
    } catch (RuntimeException e) {
      System.err.println("dago: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down");
      dago.shutdown(Dago.SHUTDOWN_GRACE);
    }, "dago-shutdown"));
  }
}
