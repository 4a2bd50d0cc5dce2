package io.dago.engine;

import io.dago.store.TaskQueue;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Runs ready nodes, at most {@code size} at once, each on a virtual thread of its own. One dispatcher thread
 * takes a worker slot first and a task second, so a task stays in the queue (and counts as waiting) until a
 * worker is really free to run it, in FIFO order.
 */
final class WorkerPool implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WorkerPool.class.getName());
  private static final long BUSY_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long QUEUE_RETRY_PAUSE_MS = 200;

  private final int size;
  private final Semaphore free;
  private final TaskQueue queue;
  private final Consumer<TaskQueue.Task> work;
  private final EngineObserver observer;
  private final Thread dispatcher;
  private final AtomicLong lastBusyWarning = new AtomicLong(System.nanoTime() - BUSY_WARNING_INTERVAL_NANOS);
  private final AtomicLong lastQueueWarning = new AtomicLong(System.nanoTime() - BUSY_WARNING_INTERVAL_NANOS);
  /** Workers running a task; the dispatcher's reserved slot is not one. */
  private final AtomicInteger busy = new AtomicInteger();
  private volatile boolean running = true;

  WorkerPool(int size, TaskQueue queue, Consumer<TaskQueue.Task> work, EngineObserver observer) {
    this.size = size;
    this.free = new Semaphore(size);
    this.queue = queue;
    this.work = work;
    this.observer = observer;
    this.dispatcher = Thread.ofVirtual().name("dago-dispatcher").unstarted(this::dispatch);
  }

  void start() {
    dispatcher.start();
  }

  int size() {
    return size;
  }

  int busy() {
    return busy.get();
  }

  private void dispatch() {
    while (running) {
      try {
        acquireWorker();
        // Every worker free at this moment asks for a task in the same poll: one round trip to a remote queue
        // serves them all, and no task is taken that no worker is free to run.
        int workers = 1 + free.drainPermits();
        List<TaskQueue.Task> tasks;
        try {
          tasks = queue.poll(workers, Duration.ofMillis(200));
        } catch (InterruptedException e) {
          free.release(workers);
          return;
        } catch (RuntimeException e) {
          free.release(workers);
          pauseAfter(e);
          continue;
        }
        free.release(workers - tasks.size());
        for (TaskQueue.Task task : tasks) {
          start(task);
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void start(TaskQueue.Task task) {
    busy.incrementAndGet();
    Thread.ofVirtual().name("dago-worker").start(() -> {
      long started = System.nanoTime();
      observer.nodeWaited(started - task.enqueuedNanos());
      try {
        work.accept(task);
      } finally {
        observer.nodeExecuted(System.nanoTime() - started);
        busy.decrementAndGet();
        free.release();
      }
    });
  }

  /** The queue could not be read (its server is down): says so once a while, and waits before the next try. */
  private void pauseAfter(RuntimeException e) throws InterruptedException {
    if (!running) {
      return;
    }
    long now = System.nanoTime();
    long last = lastQueueWarning.get();
    if (now - last >= BUSY_WARNING_INTERVAL_NANOS && lastQueueWarning.compareAndSet(last, now)) {
      LOG.warning("cannot take tasks from the queue: " + e.getMessage());
    }
    Thread.sleep(QUEUE_RETRY_PAUSE_MS);
  }

  /** Waits for a free worker, warning (at most every 10 s) while every worker is busy and nodes wait. */
  private void acquireWorker() throws InterruptedException {
    if (free.tryAcquire()) {
      return;
    }
    do {
      warnIfNodesWait();
    } while (!free.tryAcquire(1, TimeUnit.SECONDS));
  }

  private void warnIfNodesWait() {
    int waiting = queue.size();
    long now = System.nanoTime();
    long last = lastBusyWarning.get();
    if (waiting > 0 && now - last >= BUSY_WARNING_INTERVAL_NANOS && lastBusyWarning.compareAndSet(last, now)) {
      LOG.warning("All workers busy: " + size + " of " + size + " running, " + waiting
          + " nodes waiting (raise WORKER_POOL_SIZE or add instances)");
    }
  }

  /** Stops taking tasks; running ones go on until they end or {@code grace} passes. */
  void shutdown(Duration grace) throws InterruptedException {
    running = false;
    dispatcher.interrupt();
    if (free.tryAcquire(size, grace.toMillis(), TimeUnit.MILLISECONDS)) {
      free.release(size);
    }
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(Duration.ZERO);
  }
}
