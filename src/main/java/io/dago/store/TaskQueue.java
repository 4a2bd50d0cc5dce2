package io.dago.store;

import java.time.Duration;

/**
 * Ready nodes waiting for a worker, first in, first out.
 *
 * <p>Contract: a task taken is owned by the taker until it calls {@link #ack}; an implementation that survives
 * crashes hands unacknowledged tasks of a dead worker to another one. Taking never loses a task.
 */
public interface TaskQueue {

  /** A node of a graph that is ready to run. */
  record Task(String graphId, int node, long enqueuedNanos) {}

  void offer(Task task);

  /** Waits up to {@code wait} for a task; null when none came. */
  Task poll(Duration wait) throws InterruptedException;

  /** The task's work is done and its outcome stored. */
  void ack(Task task);

  /** Tasks waiting for a worker. */
  int size();
}
