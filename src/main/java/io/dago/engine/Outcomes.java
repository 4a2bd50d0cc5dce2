package io.dago.engine;

import io.dago.store.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Stores what workers learned, waiting out a short outage of the state store: a model call that finished while
 * Redis restarts is worth keeping, not worth paying for twice. Past {@code patience} the store's error goes to the
 * caller, which gives its task back to the queue.
 */
final class Outcomes {
  private static final Logger LOG = Logger.getLogger(Outcomes.class.getName());
  private static final long FIRST_PAUSE_MS = 50;
  private static final long LONGEST_PAUSE_MS = 1000;

  private final long patienceNanos;
  private final AtomicBoolean waiting = new AtomicBoolean();

  Outcomes(Duration patience) {
    this.patienceNanos = patience.toNanos();
  }

  <T> T store(Supplier<T> write) {
    long giveUpAt = System.nanoTime() + patienceNanos;
    long pauseMs = FIRST_PAUSE_MS;
    while (true) {
      try {
        T stored = write.get();
        if (waiting.compareAndSet(true, false)) {
          LOG.info("state store reachable again: outcomes are being stored");
        }
        return stored;
      } catch (StoreUnavailableException e) {
        if (System.nanoTime() - giveUpAt > 0) {
          throw e;
        }
        if (waiting.compareAndSet(false, true)) {
          LOG.warning("state store unreachable: workers hold their outcomes and try again (" + e.getMessage() + ")");
        }
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
      }
    }
  }
}
