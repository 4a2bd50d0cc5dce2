package io.dago.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class FormattersTest {

  private static LogRecord record(Level level, String message) {
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName("io.dago.engine.NodeRunner");
    record.setInstant(java.time.Instant.parse("2026-01-02T03:04:05.678Z"));
    return record;
  }

  @Test
  void textLinesCarryTheThreadsContext() {
    String line;
    try (LogContext.Scope scope = LogContext.open("G1", "n1", "abc")) {
      line = new LineFormatter().format(record(Level.WARNING, "node failed\nbadly"));
    }
    assertEquals("2026-01-02T03:04:05.678Z WARN  engine.NodeRunner node failed badly graph_id=G1 node_id=n1 trace_id=abc",
        line.stripTrailing());
  }

  @Test
  void jsonLinesAreOneObjectWithContextFields() {
    String line;
    try (LogContext.Scope scope = LogContext.open("G1", null, "abc")) {
      line = new JsonFormatter("host-1").format(record(Level.FINE, "call \"done\""));
    }
    assertTrue(line.endsWith(System.lineSeparator()));
    assertFalse(line.stripTrailing().contains("\n"));
    @SuppressWarnings("unchecked")
    Map<String, Object> json = (Map<String, Object>) Json.parse(line.getBytes(StandardCharsets.UTF_8));
    assertEquals("2026-01-02T03:04:05.678Z", json.get("time"));
    assertEquals("debug", json.get("level"));
    assertEquals("call \"done\"", json.get("msg"));
    assertEquals("engine.NodeRunner", json.get("logger"));
    assertEquals("G1", json.get("graph_id"));
    assertFalse(json.containsKey("node_id"));
    assertEquals("abc", json.get("trace_id"));
    assertEquals("host-1", json.get("instance"));
  }

  @Test
  void aClosedScopeRestoresTheOuterContext() {
    try (LogContext.Scope outer = LogContext.open("G1", null, "t1")) {
      try (LogContext.Scope inner = LogContext.open("G1", "n2", "t1")) {
        assertEquals("n2", LogContext.current().nodeId());
      }
      assertEquals(null, LogContext.current().nodeId());
    }
    assertEquals(null, LogContext.current());
  }
}
