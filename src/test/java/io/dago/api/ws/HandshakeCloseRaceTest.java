package io.dago.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class HandshakeCloseRaceTest {
  /** What Java-WebSocket 1.6.0 throws when a close from another thread clears the handshake buffer mid-decode. */
  private static NullPointerException theRace() {
    NullPointerException e = new NullPointerException(
        "Cannot invoke \"java.nio.ByteBuffer.hasRemaining()\" because \"this.tmpHandshakeBytes\" is null");
    e.setStackTrace(new StackTraceElement[] {
        new StackTraceElement("org.java_websocket.WebSocketImpl", "decode", "WebSocketImpl.java", 233),
        new StackTraceElement("org.java_websocket.server.WebSocketServer$WebSocketWorker", "doDecode",
            "WebSocketServer.java", 1165)});
    return e;
  }

  private static LogRecord severe(Throwable thrown) {
    LogRecord record = new LogRecord(Level.SEVERE, "Error while reading from remote connection");
    record.setThrown(thrown);
    return record;
  }

  @Test
  void onlyThatNullPointerExceptionIsTheRace() {
    assertTrue(HandshakeCloseRace.isTheRace(severe(theRace())));

    NullPointerException elsewhere = new NullPointerException("something else");
    elsewhere.setStackTrace(new StackTraceElement[] {
        new StackTraceElement("org.java_websocket.WebSocketImpl", "decodeFrames", "WebSocketImpl.java", 300)});
    assertFalse(HandshakeCloseRace.isTheRace(severe(elsewhere)));
    assertFalse(HandshakeCloseRace.isTheRace(severe(new IllegalStateException("this.tmpHandshakeBytes"))));
    assertFalse(HandshakeCloseRace.isTheRace(severe(null)));
  }

  @Test
  void theRaceIsLoggedAtFine_andTheLibrarysOtherErrorsStaySevere() {
    HandshakeCloseRace.install();
    Logger library = Logger.getLogger("org.java_websocket.server.WebSocketServer");
    List<LogRecord> seen = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        seen.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    Level rootLevel = root.getLevel();
    Logger api = Logger.getLogger(WebSocketApi.class.getName());
    Level apiLevel = api.getLevel();
    root.addHandler(capture);
    api.setLevel(Level.FINE);
    try {
      library.log(severe(theRace()));
      library.log(severe(new IllegalStateException("a real problem")));
    } finally {
      root.removeHandler(capture);
      api.setLevel(apiLevel);
      root.setLevel(rootLevel);
    }

    List<LogRecord> severeOnes = seen.stream().filter(r -> r.getLevel() == Level.SEVERE).toList();
    assertEquals(1, severeOnes.size(), seen.toString());
    assertEquals("a real problem", severeOnes.get(0).getThrown().getMessage());
    assertTrue(seen.stream().anyMatch(r -> r.getLevel() == Level.FINE
        && r.getMessage().contains("tmpHandshakeBytes")), "the race is still logged, at FINE");
  }
}
