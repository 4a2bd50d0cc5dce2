package io.dago.engine;

import io.dago.llm.CircuitBreaker;
import io.dago.llm.LlmException;
import io.dago.llm.ProviderGuard;
import io.dago.llm.Usage;
import io.dago.state.Event;
import java.util.List;

/**
 * What the engine reports as it runs graphs, for metrics. Every method does nothing by default, and {@link #NONE}
 * is the observer of an engine nobody watches, so the engine reports unconditionally and never asks whether
 * anyone listens.
 *
 * <p>Contract: methods are called on the engine's own threads (workers, timers, request threads), some while a
 * graph's state is held. They must be quick, must not block and must not throw.
 */
public interface EngineObserver {
  EngineObserver NONE = new EngineObserver() {};

  /**
   * Events this instance appended to graphs' logs, in order. Graph and node outcomes are read from here (submitted,
   * completed, failed, skipped, cancelled), because the log is the one place every path to them passes through:
   * node results, cancellation, a graph's timeout, the skipping of a failed node's descendants.
   */
  default void eventsPublished(List<Event> events) {}

  /** A ready node waited this long in the queue before a worker started it. */
  default void nodeWaited(long nanos) {}

  /** A worker spent this long on one attempt of a node: rendering, the model call, storing the outcome. */
  default void nodeExecuted(long nanos) {}

  /** A task arrived for an attempt that had already begun, and was dropped (see {@code GraphRun.beginAttempt}). */
  default void duplicateTask() {}

  /** A failed attempt will be tried again after a backoff; {@code code} is the failure's error code. */
  default void retryScheduled(String code) {}

  /** A model call returned a reply. */
  default void llmCallSucceeded(String provider, String model, long nanos, Usage usage) {}

  /**
   * A model call failed, timeouts included. Calls cut short because their graph was cancelled or failed meanwhile
   * are not reported: how long they ran says nothing about the provider.
   */
  default void llmCallFailed(String provider, String model, long nanos, LlmException error) {}

  /** A node with {@code "cache": true} reused a stored reply instead of calling the model. */
  default void cacheHit() {}

  /**
   * A node with {@code "cache": true} found no stored reply (none, expired, or the cache could not be read) and
   * calls the model. Nodes without the flag report neither this nor {@link #cacheHit}.
   */
  default void cacheMiss() {}

  /** A provider's circuit breaker changed state. */
  default void breakerChanged(String provider, CircuitBreaker.State to) {}

  /** A node went back to the queue without starting an attempt: its provider could not take the call now. */
  default void nodePostponed(ProviderGuard.Refusal reason) {}

  /** A submission was refused because too many ready nodes were waiting (see {@link OverloadedException}). */
  default void submissionRefused() {}
}
