package io.dago.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.CircuitBreaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private static final Duration OPEN_FOR = Duration.ofSeconds(10);
  private static final LlmException OVERLOADED = new LlmException("overloaded", "anthropic 529", true, 529, null);
  private static final LlmException RATE_LIMITED = new LlmException("rate_limited", "anthropic 429", true, 429, null);
  private static final LlmException TIMEOUT = new LlmException("timeout", "too slow", true, 0, null);
  private static final LlmException BAD_REQUEST = new LlmException("invalid_request", "anthropic 400", false, 400,
      null);
  private static final LlmException UNAUTHORIZED = new LlmException("authentication_failed", "anthropic 401", false,
      401, null);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<String> transitions = new ArrayList<>();
  private final CircuitBreaker breaker = new CircuitBreaker("test", 3, OPEN_FOR, now::get,
      (from, to) -> transitions.add(from.wireName() + "->" + to.wireName()));

  private void fail(LlmException error) {
    breaker.failed(breaker.tryAcquire(), error);
  }

  private void pass(Duration time) {
    now.addAndGet(time.toNanos());
  }

  @Test
  void opensAfterTheGivenNumberOfConsecutiveRetryableFailures() {
    fail(OVERLOADED);
    fail(RATE_LIMITED);
    assertEquals(State.CLOSED, breaker.state());
    assertEquals(2, breaker.consecutiveFailures());

    fail(TIMEOUT);

    assertEquals(State.OPEN, breaker.state());
    assertNull(breaker.tryAcquire(), "an open breaker lets no call through");
    assertEquals(OPEN_FOR, breaker.waitTime());
    assertEquals(List.of("closed->open"), transitions);
  }

  @Test
  void aSuccessResetsTheCount() {
    fail(OVERLOADED);
    fail(OVERLOADED);
    breaker.succeeded(breaker.tryAcquire());
    fail(OVERLOADED);
    fail(OVERLOADED);

    assertEquals(State.CLOSED, breaker.state());
    assertEquals(2, breaker.consecutiveFailures());
  }

  @Test
  void nonRetryableFailuresNeitherCountNorReset() {
    for (int i = 0; i < 10; i++) {
      fail(BAD_REQUEST);
      fail(UNAUTHORIZED);
    }
    assertEquals(State.CLOSED, breaker.state());
    assertEquals(0, breaker.consecutiveFailures());

    fail(OVERLOADED);
    fail(OVERLOADED);
    fail(BAD_REQUEST);
    fail(OVERLOADED);

    assertEquals(State.OPEN, breaker.state());
  }

  @Test
  void anOpenBreakerTurnsHalfOpenOnceItsWaitHasPassedAndTellsRefusedCallersHowLongToWait() {
    openIt();
    pass(Duration.ofSeconds(4));
    assertEquals(Duration.ofSeconds(6), breaker.waitTime());
    assertNull(breaker.tryAcquire());

    pass(Duration.ofSeconds(6));

    assertEquals(State.HALF_OPEN, breaker.state());
    assertEquals(Duration.ZERO, breaker.waitTime(), "the next caller may probe");
    assertEquals(List.of("closed->open", "open->half_open"), transitions);
  }

  @Test
  void aHalfOpenBreakerLetsExactlyOneProbeThrough() {
    openIt();
    pass(OPEN_FOR);

    CircuitBreaker.Permit probe = breaker.tryAcquire();

    assertNotNull(probe);
    assertTrue(probe.probe());
    assertNull(breaker.tryAcquire(), "a second caller waits for the probe");
    assertNull(breaker.tryAcquire());
    assertTrue(breaker.waitTime().compareTo(Duration.ZERO) > 0);
  }

  @Test
  void aSuccessfulProbeClosesTheBreaker() {
    openIt();
    pass(OPEN_FOR);
    CircuitBreaker.Permit probe = breaker.tryAcquire();

    breaker.succeeded(probe);

    assertEquals(State.CLOSED, breaker.state());
    assertEquals(0, breaker.consecutiveFailures());
    CircuitBreaker.Permit next = breaker.tryAcquire();
    assertNotNull(next);
    assertFalse(next.probe());
    assertNotNull(breaker.tryAcquire(), "a closed breaker lets every call through");
    assertEquals(List.of("closed->open", "open->half_open", "half_open->closed"), transitions);
  }

  @Test
  void aFailedProbeOpensTheBreakerForAnotherFullWait() {
    openIt();
    pass(OPEN_FOR);
    CircuitBreaker.Permit probe = breaker.tryAcquire();
    pass(Duration.ofSeconds(3));

    breaker.failed(probe, RATE_LIMITED);

    assertEquals(State.OPEN, breaker.state());
    assertEquals(OPEN_FOR, breaker.waitTime(), "counted from the probe's failure");
    pass(OPEN_FOR.minusMillis(1));
    assertNull(breaker.tryAcquire());
    pass(Duration.ofMillis(1));
    assertNotNull(breaker.tryAcquire());
    assertEquals(List.of("closed->open", "open->half_open", "half_open->open", "open->half_open"), transitions);
  }

  @Test
  void aProbeThatMadeNoCallOrFailedNonRetryablyHandsItsTurnToTheNextCaller() {
    openIt();
    pass(OPEN_FOR);

    breaker.abandoned(breaker.tryAcquire());
    assertEquals(State.HALF_OPEN, breaker.state());
    breaker.failed(breaker.tryAcquire(), BAD_REQUEST);
    assertEquals(State.HALF_OPEN, breaker.state());

    CircuitBreaker.Permit third = breaker.tryAcquire();
    assertNotNull(third);
    assertTrue(third.probe());
  }

  @Test
  void callsLetThroughBeforeTheBreakerOpenedDoNotCountAfterwards() {
    CircuitBreaker.Permit early = breaker.tryAcquire();
    CircuitBreaker.Permit late = breaker.tryAcquire();
    openIt();
    pass(OPEN_FOR);
    CircuitBreaker.Permit probe = breaker.tryAcquire();

    breaker.succeeded(early);
    assertEquals(State.HALF_OPEN, breaker.state(), "an old success does not close it");
    breaker.failed(late, OVERLOADED);
    assertEquals(State.HALF_OPEN, breaker.state(), "an old failure does not reopen it");
    assertNull(breaker.tryAcquire(), "and the probe is still the only call");

    breaker.succeeded(probe);
    assertEquals(State.CLOSED, breaker.state());
  }

  @Test
  void statesHaveWireNamesAndGaugeValues() {
    assertEquals("closed", State.CLOSED.wireName());
    assertEquals("open", State.OPEN.wireName());
    assertEquals("half_open", State.HALF_OPEN.wireName());
    assertEquals(List.of(0, 1, 2), List.of(State.CLOSED.gaugeValue(), State.OPEN.gaugeValue(),
        State.HALF_OPEN.gaugeValue()));
  }

  private void openIt() {
    fail(OVERLOADED);
    fail(OVERLOADED);
    fail(OVERLOADED);
    assertEquals(State.OPEN, breaker.state());
  }
}
