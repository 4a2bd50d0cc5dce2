package io.dago.engine;

import java.time.Instant;

/**
 * The start of an attempt that has not been stored yet. Storing a start costs a commit (a round trip to Redis) of
 * its own, and most model calls of a busy engine are either quick (a cache, a small model) or slow enough that
 * nobody minds seeing them start a few milliseconds late. So a worker begins the call at once and stores the start
 * with the outcome, in one commit, when the call is over within {@link #DELAY_MILLIS}; for a longer call a timer
 * stores the start alone as soon as that delay has passed (see {@link DeferredStarts}), so that watchers see the node
 * running within a few milliseconds. The delay is short because it delays every slow call's start event.
 *
 * <p>Exactly one side stores the start: the worker claims it to merge it with the outcome, or the timer claims it to
 * publish it. A worker that finds it being published waits for that commit; if the commit fails (the store was out
 * of reach), the worker merges the start with its outcome after all.
 */
final class DeferredStart {
  /** How long a call runs before its start is stored on its own. */
  static final long DELAY_MILLIS = 2;
  private static final long DELAY_NANOS = DELAY_MILLIS * 1_000_000;

  /** LEFT_TO_WORKER: the timer's commit failed, and it does not try again: the worker stores the start. */
  private enum State { PENDING, PUBLISHING, PUBLISHED, REFUSED, LEFT_TO_WORKER, MERGED }

  final String graphId;
  final int node;
  /** The attempt the worker expects to begin: the node's attempts as last seen, plus one. */
  final int attempt;
  /** When the call began: the time the start event carries, whoever stores it. */
  final Instant at;
  /** When the start is due to be stored on its own, on the {@link System#nanoTime()} scale. */
  final long dueNanos;
  private State state = State.PENDING;

  /** @param atNanos when the call began, on the {@link System#nanoTime()} scale */
  DeferredStart(String graphId, int node, int attempt, Instant at, long atNanos) {
    this.graphId = graphId;
    this.node = node;
    this.attempt = attempt;
    this.at = at;
    this.dueNanos = atNanos + DELAY_NANOS;
  }

  /** Neither stored nor claimed by anyone yet. */
  synchronized boolean pending() {
    return state == State.PENDING;
  }

  /** For the timer: true when the start is still pending and due, and is now the timer's to publish. */
  synchronized boolean claimForPublishing(long nowNanos) {
    if (state != State.PENDING || nowNanos - dueNanos < 0) {
      return false;
    }
    state = State.PUBLISHING;
    return true;
  }

  /** The timer's commit stored the start, or was refused: the attempt may not begin any more. */
  synchronized void published(boolean stored) {
    state = stored ? State.PUBLISHED : State.REFUSED;
    notifyAll();
  }

  /**
   * The timer's commit failed (the store was out of reach): the start is left to the worker, which waits out an
   * outage before it gives up (rather than the timer trying again every few milliseconds for every attempt).
   */
  synchronized void publishFailed() {
    state = State.LEFT_TO_WORKER;
    notifyAll();
  }

  /**
   * For the worker, once the call is over: whether its outcome must carry the start ({@link Outcome#MERGE}), can go
   * alone because the start is stored ({@link Outcome#ALONE}), or must be dropped because the start was refused
   * ({@link Outcome#DROP}). Waits while the timer is publishing it.
   */
  synchronized Outcome claimForOutcome() throws InterruptedException {
    while (state == State.PUBLISHING) {
      wait();
    }
    return switch (state) {
      case PENDING, LEFT_TO_WORKER, MERGED -> {
        state = State.MERGED;
        yield Outcome.MERGE;
      }
      case PUBLISHED -> Outcome.ALONE;
      default -> Outcome.DROP;
    };
  }

  /** What the worker's outcome does about the start. */
  enum Outcome { MERGE, ALONE, DROP }
}
