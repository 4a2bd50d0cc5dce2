package io.dago.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TraceContextTest {
  private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void aValidTraceparentIsKept() {
    TraceContext context = TraceContext.parse(VALID);
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", context.traceId());
    assertEquals("00f067aa0ba902b7", context.spanId());
    assertEquals("01", context.flags());
    assertEquals(VALID, context.traceparent());
  }

  @Test
  void malformedTraceparentsAreIgnoredRatherThanRejected() {
    for (String bad : new String[] {null, "", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        VALID + "-extra"}) {
      assertNull(TraceContext.parse(bad), bad);
    }
  }

  @Test
  void aFutureVersionMayCarryMoreFields() {
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736",
        TraceContext.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more").traceId());
  }

  @Test
  void aChildKeepsTheTraceAndGetsItsOwnSpan() {
    TraceContext parent = TraceContext.parse(VALID);
    TraceContext child = parent.child();
    assertEquals(parent.traceId(), child.traceId());
    assertNotEquals(parent.spanId(), child.spanId());
    assertEquals(parent, TraceContext.parse(parent.traceparent()));
  }

  @Test
  void aNewTraceIsWellFormed() {
    TraceContext fresh = TraceContext.newTrace();
    assertTrue(fresh.traceparent().matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), fresh.traceparent());
    assertEquals(fresh, TraceContext.parse(fresh.traceparent()));
  }
}
