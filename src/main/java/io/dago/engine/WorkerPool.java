package io.dago.engine;

import io.dago.store.TaskQueue;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Runs ready nodes, at most {@code size} at once, each on a virtual thread of its own, in FIFO order. One dispatcher
 * thread waits for a free worker, then hands it the next task. It takes up to {@code size} tasks ahead of the workers
 * that free up, so that a worker done with one node finds the next one here rather than after a round trip to a
 * remote queue, and one poll serves many workers; taken-ahead tasks are held like running ones (a remote queue keeps
 * them from other instances only while this one lives) and go back to the queue on shutdown.
 */
final class WorkerPool implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WorkerPool.class.getName());
  private static final long BUSY_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long QUEUE_RETRY_PAUSE_MS = 200;
  private static final Duration DISPATCHER_EXIT = Duration.ofSeconds(2);

  private final int size;
  private final Semaphore free;
  private final TaskQueue queue;
  private final Consumer<TaskQueue.Task> work;
  private final EngineObserver observer;
  private final Thread dispatcher;
  /** How many tasks the dispatcher takes ahead of free workers: none from a local queue, where a poll costs nothing. */
  private final int aheadLimit;
  /** Tasks taken ahead of free workers; the dispatcher's alone. */
  private final ArrayDeque<TaskQueue.Task> ahead = new ArrayDeque<>();
  private final AtomicInteger aheadCount = new AtomicInteger();
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
    this.aheadLimit = queue.pollsRemotely() ? size : 0;
    // A platform thread: it lives in blocking polls, which a platform thread makes directly, not through the JDK's
    // poller and timers.
    this.dispatcher = Thread.ofPlatform().daemon().name("dago-dispatcher").unstarted(this::dispatch);
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

  /** Ready nodes waiting for a worker: in the queue, or taken ahead. */
  int waiting() {
    return queue.size() + aheadCount.get();
  }

  private void dispatch() {
    try {
      while (running) {
        acquireWorker();
        int workers = 1 + free.drainPermits();
        if (ahead.isEmpty()) {
          // Every worker free at this moment, and the tasks taken ahead of them, in one poll.
          try {
            ahead.addAll(queue.poll(workers + aheadLimit, Duration.ofMillis(200)));
          } catch (InterruptedException e) {
            free.release(workers);
            return;
          } catch (RuntimeException e) {
            free.release(workers);
            pauseAfter(e);
            continue;
          }
        }
        for (; workers > 0 && !ahead.isEmpty(); workers--) {
          start(ahead.poll());
        }
        aheadCount.set(ahead.size());
        free.release(workers);
      }
    } catch (InterruptedException e) {
      // Shutting down.
    } finally {
      giveBack();
    }
  }

  /**
   * Tasks taken ahead go back to the queue as ready ones, for another instance or the next start: no attempt of theirs
   * began, so nobody has to take them over from this one.
   */
  private void giveBack() {
    aheadCount.set(0);
    for (TaskQueue.Task task : ahead) {
      try {
        queue.postpone(task, Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.fine(() -> "could not give back node " + task.node() + " of graph " + task.graphId() + ": "
            + e.getMessage());
      }
    }
    ahead.clear();
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
    int waiting = waiting();
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
    // It gives back the tasks it took ahead on its way out, while the queue is still there.
    dispatcher.join(DISPATCHER_EXIT);
    if (free.tryAcquire(size, grace.toMillis(), TimeUnit.MILLISECONDS)) {
      free.release(size);
    }
  }

  @Override
  public void close() throws InterruptedException {
    shutdown(Duration.ZERO);
  }
}
