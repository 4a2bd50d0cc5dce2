package io.dago.fuzz;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Records what dago logs at SEVERE while it is open: "unexpected error ... serving ..." (the log side of a 500 or a
 * gRPC INTERNAL), a WebSocket request it could not serve, a server thread that died. A fuzzed request must cause
 * none of these.
 */
final class SevereLogs implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final SimpleFormatter formatter = new SimpleFormatter();
  private final Logger root = Logger.getLogger("");
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.SEVERE.intValue()
          || record.getLevel().intValue() >= Level.WARNING.intValue() && record.getMessage() != null
              && record.getMessage().startsWith("cannot serve WebSocket request")) {
        lines.add(formatter.format(record));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  SevereLogs() {
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  /** The lines, each cut to its first few lines (the stack trace's top), for a failure message. */
  String summary() {
    StringBuilder text = new StringBuilder();
    for (String line : lines.subList(0, Math.min(lines.size(), 5))) {
      List<String> parts = line.lines().limit(12).toList();
      text.append(String.join("\n", parts)).append("\n---\n");
    }
    return text.toString();
  }

  @Override
  public void close() {
    root.removeHandler(handler);
  }
}
