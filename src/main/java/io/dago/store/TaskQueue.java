package io.dago.store;

import io.dago.state.GraphRun;
import java.time.Duration;
import java.util.List;

/**
 * Ready nodes waiting for a worker, first in, first out.
 *
 * <p>Contract: a task taken is owned by the taker until its outcome is stored, which acknowledges it (through
 * {@link StateStore#update(String, Task, java.util.function.Function)} or {@link #ack}). An implementation that
 * survives crashes hands the unacknowledged tasks of a worker that stopped answering to another one, marked
 * {@link Task#redelivered()}. Taking never loses a task; a task may be delivered more than once.
 */
public interface TaskQueue {

  /**
   * A node of a graph that is ready to run.
   *
   * @param attempt the attempt this task was dispatched for, from 1: a retry is a new task for the next attempt
   * @param redelivered whether the queue took this task back from a worker that stopped answering
   * @param enqueuedNanos when it became ready, on the {@link System#nanoTime()} scale of this process
   * @param receipt the queue's own handle on the task (an entry id), or null when it needs none
   */
  record Task(String graphId, int node, int attempt, boolean redelivered, long enqueuedNanos, String receipt) {}

  /** Enqueues a node a change made ready; with a delay (a retry's backoff), it becomes ready when that has passed. */
  void offer(String graphId, GraphRun.Dispatch dispatch);

  /** Waits up to {@code wait} for tasks, and takes up to {@code max} of those ready; empty when none came. */
  List<Task> poll(int max, Duration wait) throws InterruptedException;

  /** The task is finished without a change to store (its node had already ended, or it was a duplicate). */
  void ack(Task task);

  /**
   * Gives up a task without finishing it (its outcome could not be stored): it is delivered again, to this
   * worker or another one, later.
   */
  void release(Task task);

  /** Whether a poll is a round trip to another process, which makes taking tasks ahead of free workers pay. */
  default boolean pollsRemotely() {
    return false;
  }

  /**
   * Puts a task taken but not started back in the queue, to be delivered again once {@code delay} has passed, as it
   * was (the same attempt, and still {@link Task#redelivered()} if it was). For a node that cannot run yet (its
   * provider is refusing calls) and must not spend an attempt waiting. An implementation that survives crashes moves
   * the task in one atomic step, so a crash leaves it either still held or delayed, never lost; a task whose outcome
   * was meanwhile stored by another worker is not put back.
   */
  void postpone(Task task, Duration delay);

  /** Tasks ready and waiting, as far as this instance can tell cheaply. */
  int size();
}
