package io.dago.api.ws;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps one harmless race of Java-WebSocket (1.6.0) out of the error log. When dago closes a connection from another
 * thread just as the library's worker finishes decoding its handshake (a follower of a graph that has already
 * ended, say, whose history and close go out at once), the worker reads the handshake buffer that the close has just
 * cleared, and logs "Error while reading from remote connection" with a NullPointerException at SEVERE. Nothing is
 * lost: the close goes on, and the client gets every frame and the close code. The record is logged again at FINE
 * instead; every other record of the library passes unchanged.
 */
final class HandshakeCloseRace implements Filter {
  /** The library's logger, held so that it (and the filter on it) is not collected. */
  private static final Logger LIBRARY = Logger.getLogger("org.java_websocket.server.WebSocketServer");

  private HandshakeCloseRace() {}

  /** Installs the filter once; later calls change nothing. */
  static synchronized void install() {
    if (!(LIBRARY.getFilter() instanceof HandshakeCloseRace)) {
      LIBRARY.setFilter(new HandshakeCloseRace());
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    if (!isTheRace(record)) {
      return true;
    }
    LogRecord quiet = new LogRecord(Level.FINE, "closed during its handshake's decoding (a known race of the library, "
        + "harmless): " + record.getThrown());
    quiet.setLoggerName(WebSocketApi.class.getName());
    Logger.getLogger(WebSocketApi.class.getName()).log(quiet);
    return false;
  }

  static boolean isTheRace(LogRecord record) {
    Throwable thrown = record.getThrown();
    if (!(thrown instanceof NullPointerException) || thrown.getStackTrace().length == 0) {
      return false;
    }
    StackTraceElement top = thrown.getStackTrace()[0];
    return top.getClassName().equals("org.java_websocket.WebSocketImpl") && top.getMethodName().equals("decode")
        && String.valueOf(thrown.getMessage()).contains("tmpHandshakeBytes");
  }
}
