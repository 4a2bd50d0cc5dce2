package io.dago.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.ProviderGuard.Admission;
import io.dago.llm.ProviderGuard.Refusal;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProviderGuardTest {
  private static final LlmException OVERLOADED = new LlmException("overloaded", "anthropic 529", true, 529, null);
  private static final LlmException RATE_LIMITED = new LlmException("rate_limited", "anthropic 429", true, 429, null);

  private final AtomicLong now = new AtomicLong();
  private final CircuitBreaker breaker = new CircuitBreaker("test", 2, Duration.ofSeconds(10), now::get,
      CircuitBreaker.Listener.NONE);
  private final AdaptiveConcurrencyLimit limit = new AdaptiveConcurrencyLimit(2, 5);
  private final ProviderGuard guard = new ProviderGuard("test", breaker, limit, Duration.ofMillis(20),
      Duration.ofSeconds(1), new SplittableRandom(1));

  private ProviderGuard.Pass admitted() throws InterruptedException {
    Admission admission = guard.admit();
    assertNotNull(admission.pass(), "refused: " + admission.refusal());
    return admission.pass();
  }

  @Test
  void anOpenBreakerRefusesAtOnceUntilAboutTheTimeItWillLetAProbeThrough() throws Exception {
    try (ProviderGuard.Pass a = admitted(); ProviderGuard.Pass b = admitted()) {
      a.failed(OVERLOADED);
      b.failed(OVERLOADED);
    }
    now.addAndGet(Duration.ofSeconds(4).toNanos());

    Admission refused = guard.admit();

    assertNull(refused.pass());
    assertEquals(Refusal.BREAKER_OPEN, refused.refusal());
    assertTrue(refused.retryIn().compareTo(Duration.ofSeconds(6)) >= 0, "" + refused.retryIn());
    assertTrue(refused.retryIn().compareTo(Duration.ofMillis(7500)) <= 0, "a quarter of jitter at most");
    assertEquals(0, limit.inFlight(), "no permit is held by a refused node");
  }

  @Test
  void aFullLimitRefusesAfterWaitingForAPermit() throws Exception {
    try (ProviderGuard.Pass a = admitted(); ProviderGuard.Pass b = admitted()) {
      Admission refused = guard.admit();

      assertEquals(Refusal.CONCURRENCY_LIMIT, refused.refusal());
      assertTrue(refused.retryIn().compareTo(Duration.ofSeconds(1)) >= 0);
      assertEquals(2, guard.snapshot().inFlight());
    }
    assertEquals(0, guard.snapshot().inFlight(), "closing a pass gives its permit back");
  }

  @Test
  void outcomesReachTheBreakerAndTheLimitOnce() throws Exception {
    try (ProviderGuard.Pass pass = admitted()) {
      pass.failed(RATE_LIMITED);
      pass.failed(RATE_LIMITED);
    }
    ProviderGuard.Snapshot snapshot = guard.snapshot();
    assertEquals(new ProviderGuard.Snapshot("test", CircuitBreaker.State.CLOSED, 1, 1, 2, 0), snapshot);
  }

  @Test
  void theHalfOpenProbeIsTheOnlyCallAdmitted() throws Exception {
    try (ProviderGuard.Pass a = admitted(); ProviderGuard.Pass b = admitted()) {
      a.failed(OVERLOADED);
      b.failed(OVERLOADED);
    }
    now.addAndGet(Duration.ofSeconds(10).toNanos());

    try (ProviderGuard.Pass probe = admitted()) {
      Admission second = guard.admit();
      assertEquals(Refusal.BREAKER_OPEN, second.refusal());
      assertEquals(CircuitBreaker.State.HALF_OPEN, guard.snapshot().breaker());
      probe.succeeded();
    }
    assertEquals(CircuitBreaker.State.CLOSED, guard.snapshot().breaker());
    admitted().close();
  }
}
