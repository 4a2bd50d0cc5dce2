package io.dago.engine;

/**
 * One attempt of one node, running on its own virtual thread, which may be interrupted from outside to cancel
 * it or to end it when it outlives its timeout.
 *
 * <p>Why the monitor: an interrupt must never reach the thread after the attempt is over, or it would hit
 * whatever the thread does next (a state update, the next task). {@link #stop} and {@link #finish} exclude each
 * other, and {@link #finish} clears an interrupt that was delivered but not yet seen.
 */
final class Attempt {
  /** Why an attempt was stopped from outside. */
  enum Stop { NONE, TIMED_OUT, CANCELLED }

  final String graphId;
  final int node;
  final long startedNanos;
  /** When it times out, on the {@link System#nanoTime()} scale. */
  final long deadlineNanos;
  private final Thread thread;
  private Stop stop = Stop.NONE;
  private boolean finished;

  Attempt(String graphId, int node, Thread thread, long startedNanos, long deadlineNanos) {
    this.graphId = graphId;
    this.node = node;
    this.thread = thread;
    this.startedNanos = startedNanos;
    this.deadlineNanos = deadlineNanos;
  }

  /** Interrupts the attempt unless it has finished or was already stopped. */
  synchronized void stop(Stop reason) {
    if (finished || stop != Stop.NONE) {
      return;
    }
    stop = reason;
    thread.interrupt();
  }

  /** Called by the attempt's own thread when the call is over; says whether it was stopped from outside. */
  synchronized Stop finish() {
    finished = true;
    Thread.interrupted();
    return stop;
  }
}
