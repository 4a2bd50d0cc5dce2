package io.dago.store.memory;

import io.dago.state.GraphRun;
import io.dago.store.TaskQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The embedded task queue: a lock-based FIFO. Nothing to acknowledge, since nothing survives the process; a delayed
 * task waits on a timer and joins the queue when its delay has passed.
 */
public final class InMemoryTaskQueue implements TaskQueue, AutoCloseable {
  private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("dago-delayed-tasks").daemon().factory());

  @Override
  public void offer(String graphId, GraphRun.Dispatch dispatch) {
    if (dispatch.delayMs() <= 0) {
      tasks.add(task(graphId, dispatch));
    } else {
      later.schedule(() -> tasks.add(task(graphId, dispatch)), dispatch.delayMs(), TimeUnit.MILLISECONDS);
    }
  }

  private static Task task(String graphId, GraphRun.Dispatch dispatch) {
    return new Task(graphId, dispatch.node(), dispatch.attempt(), false, System.nanoTime(), null);
  }

  @Override
  public List<Task> poll(int max, Duration wait) throws InterruptedException {
    Task first = tasks.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    if (first == null) {
      return List.of();
    }
    if (max == 1) {
      return List.of(first);
    }
    List<Task> taken = new ArrayList<>(Math.min(max, 16));
    taken.add(first);
    tasks.drainTo(taken, max - 1);
    return taken;
  }

  @Override
  public void ack(Task task) {
    // Nothing to do: a task taken from memory is already gone.
  }

  @Override
  public void release(Task task) {
    tasks.add(task);
  }

  /** The task joins the back of the queue when the delay has passed; its wait counts from then. */
  @Override
  public void postpone(Task task, Duration delay) {
    later.schedule(() -> tasks.add(new Task(task.graphId(), task.node(), task.attempt(), task.redelivered(),
        System.nanoTime(), null)), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public int size() {
    return tasks.size();
  }

  @Override
  public void close() {
    later.shutdownNow();
  }
}
