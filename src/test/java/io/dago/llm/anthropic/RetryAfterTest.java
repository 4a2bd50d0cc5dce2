package io.dago.llm.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void wholeSeconds() {
    assertEquals(Duration.ofSeconds(20), RetryAfter.parse("20", NOW));
  }

  @Test
  void fractionalSecondsKeepTheirFraction() {
    assertEquals(Duration.ofMillis(250), RetryAfter.parse(" 0.25 ", NOW));
  }

  @Test
  void zeroOrNegativeSecondsMeanNoWait() {
    assertEquals(Duration.ZERO, RetryAfter.parse("0", NOW));
    assertEquals(Duration.ZERO, RetryAfter.parse("-3", NOW));
  }

  @Test
  void httpDateInTheFutureIsTheDelayUntilThen() {
    assertEquals(Duration.ofMinutes(2), RetryAfter.parse("Wed, 01 Jan 2025 00:02:00 GMT", NOW));
  }

  @Test
  void httpDateInThePastMeansNoWait() {
    assertEquals(Duration.ZERO, RetryAfter.parse("Tue, 31 Dec 2024 23:00:00 GMT", NOW));
  }

  @Test
  void absentOrUnreadableHeaderGivesNull() {
    assertNull(RetryAfter.parse(null, NOW));
    assertNull(RetryAfter.parse("  ", NOW));
    assertNull(RetryAfter.parse("soon", NOW));
    assertNull(RetryAfter.parse("1e400", NOW));
  }
}
