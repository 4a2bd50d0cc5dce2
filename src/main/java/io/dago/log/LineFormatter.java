package io.dago.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One line per record: {@code 2026-11-26T06:40:00.123Z INFO  engine.Orchestrator graph submitted graph_id=...}.
 * The {@link LogContext} of the logging thread follows the message as {@code graph_id=... node_id=... trace_id=...}.
 */
final class LineFormatter extends Formatter {

  @Override
  public String format(LogRecord record) {
    StringBuilder line = new StringBuilder(160);
    line.append(Instant.ofEpochMilli(record.getMillis())).append(' ');
    String level = levelName(record.getLevel());
    line.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
    line.append(shortLogger(record.getLoggerName())).append(' ');
    line.append(formatMessage(record).replace('\n', ' '));
    LogContext.Fields context = LogContext.current();
    if (context != null) {
      appendIfSet(line, "graph_id", context.graphId());
      appendIfSet(line, "node_id", context.nodeId());
      appendIfSet(line, "trace_id", context.traceId());
    }
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
    }
    return line.append(System.lineSeparator()).toString();
  }

  static String levelName(Level level) {
    int value = level.intValue();
    if (value >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (value >= Level.WARNING.intValue()) {
      return "WARN";
    }
    if (value >= Level.INFO.intValue()) {
      return "INFO";
    }
    return "DEBUG";
  }

  private static void appendIfSet(StringBuilder line, String key, String value) {
    if (value != null) {
      line.append(' ').append(key).append('=').append(value);
    }
  }

  static String shortLogger(String name) {
    if (name == null) {
      return "-";
    }
    return name.startsWith("io.dago.") ? name.substring("io.dago.".length()) : name;
  }
}
