package io.dago;

import io.dago.config.ConfigException;
import io.dago.config.ConfigLoader;
import io.dago.log.Logging;
import io.dago.log.ShutdownSafeLogManager;
import java.time.Duration;
import java.util.logging.Logger;

/** {@code java -jar dago.jar}: reads the environment once, starts dago, and stops it gracefully on SIGTERM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // First of all, before any logger exists; see ShutdownSafeLogManager.
    System.setProperty("java.util.logging.manager", "io.dago.log.ShutdownSafeLogManager");
    ConfigLoader.Loaded loaded;
    try {
      loaded = ConfigLoader.fromEnvironment();
    } catch (ConfigException e) {
      System.err.println("dago: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(loaded.config().logLevel(), loaded.config().logFormat(), loaded.config().instanceId());
    Logger log = Logger.getLogger(Main.class.getName());
    loaded.notices().forEach(log::info);
    Dago dago;
    try {
      dago = Dago.start(loaded.config());
    } catch (ConfigException e) {
      // What only starting can find out, such as a TLS certificate that does not parse.
      System.err.println("dago: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("dago: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Duration grace = loaded.config().shutdownGrace();
      log.info("SIGTERM: stopping intake, letting running nodes finish (up to " + grace.toSeconds() + " s)");
      dago.shutdown(grace);
      log.info("stopped");
      ShutdownSafeLogManager.finish();
    }, "dago-shutdown"));
  }
}
