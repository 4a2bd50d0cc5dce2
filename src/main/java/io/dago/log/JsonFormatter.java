package io.dago.log;

import io.dago.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line, for log stacks: {@code time}, {@code level}, {@code msg}, {@code logger}, the
 * {@link LogContext} fields that are set ({@code graph_id}, {@code node_id}, {@code trace_id}), {@code instance},
 * and {@code error} with the stack trace when there is one.
 */
final class JsonFormatter extends Formatter {
  private final String instance;

  JsonFormatter(String instance) {
    this.instance = instance;
  }

  @Override
  public String format(LogRecord record) {
    Map<String, Object> line = new LinkedHashMap<>(12);
    line.put("time", Instant.ofEpochMilli(record.getMillis()).toString());
    line.put("level", LineFormatter.levelName(record.getLevel()).toLowerCase(java.util.Locale.ROOT));
    line.put("msg", formatMessage(record));
    line.put("logger", LineFormatter.shortLogger(record.getLoggerName()));
    LogContext.Fields context = LogContext.current();
    if (context != null) {
      putIfSet(line, "graph_id", context.graphId());
      putIfSet(line, "node_id", context.nodeId());
      putIfSet(line, "trace_id", context.traceId());
    }
    line.put("instance", instance);
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.put("error", trace.toString().stripTrailing());
    }
    return Json.writeString(line) + System.lineSeparator();
  }

  private static void putIfSet(Map<String, Object> line, String key, String value) {
    if (value != null) {
      line.put(key, value);
    }
  }
}
