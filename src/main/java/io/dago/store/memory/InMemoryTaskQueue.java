package io.dago.store.memory;

import io.dago.store.TaskQueue;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The embedded task queue: a lock-based FIFO; nothing to acknowledge since nothing survives the process. */
public final class InMemoryTaskQueue implements TaskQueue {
  private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();

  @Override
  public void offer(Task task) {
    tasks.add(task);
  }

  @Override
  public Task poll(Duration wait) throws InterruptedException {
    return tasks.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void ack(Task task) {
    // Nothing to do: a task taken from memory is already gone.
  }

  @Override
  public int size() {
    return tasks.size();
  }
}
