package io.dago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.state.GraphRun;
import io.dago.store.TaskQueue;
import io.dago.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingDeque;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  private static final int WORKERS = 2;

  @Test
  void fromARemoteQueueOnePollTakesTasksAheadOfTheFreeWorkersAndShutdownPutsThemBackUnstarted() throws Exception {
    FakeQueue queue = new FakeQueue(true, 7);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> started = new CopyOnWriteArrayList<>();
    WorkerPool pool = new WorkerPool(WORKERS, queue, task -> {
      started.add(task.node());
      awaitQuietly(release);
    }, EngineObserver.NONE);
    pool.start();
    awaitTrue(() -> started.size() == WORKERS);

    assertEquals(List.of(WORKERS + WORKERS), queue.polledFor, "one poll: a task per free worker and as many ahead");
    assertEquals(List.of(0, 1), started.stream().sorted().toList());
    assertEquals(7 - WORKERS, pool.waiting(), "the queue's tasks and those taken ahead both wait");

    release.countDown();
    awaitTrue(() -> started.size() == 7);
    // Two workers start their tasks at the same moment, so a task may begin just before the one ahead of it, never
    // further ahead than that.
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), started.stream().sorted().toList());
    for (int task = 0; task < 7; task++) {
      assertTrue(Math.abs(started.indexOf(task) - task) < WORKERS,
          "first in, first out, through the tasks taken ahead (up to the workers running at once): " + started);
    }

    FakeQueue second = new FakeQueue(true, 5);
    CountDownLatch never = new CountDownLatch(1);
    WorkerPool stopping = new WorkerPool(WORKERS, second, task -> awaitQuietly(never), EngineObserver.NONE);
    stopping.start();
    awaitTrue(() -> second.polledFor.size() == 1);
    // The running nodes end once the dispatcher has given back what it took ahead: nothing else can start them.
    Thread.ofVirtual().start(() -> {
      while (second.postponed.size() < 2) {
        Thread.onSpinWait();
      }
      never.countDown();
    });
    stopping.shutdown(Duration.ofSeconds(5));
    assertEquals(List.of(2, 3), second.postponed, "the tasks taken ahead go back, none of them started");
    assertEquals(List.of(), second.released);
    pool.close();
  }

  @Test
  void fromALocalQueueEachPollTakesOnlyWhatTheFreeWorkersRun() throws Exception {
    FakeQueue queue = new FakeQueue(false, 4);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> started = new CopyOnWriteArrayList<>();
    try (WorkerPool pool = new WorkerPool(WORKERS, queue, task -> {
      started.add(task.node());
      awaitQuietly(release);
    }, EngineObserver.NONE)) {
      pool.start();
      awaitTrue(() -> started.size() == WORKERS);
      assertEquals(List.of(WORKERS), queue.polledFor);
      assertEquals(2, pool.waiting());
      release.countDown();
      awaitTrue(() -> started.size() == 4);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitTrue(Await.Condition condition) {
    Await.await("the pool got there", Duration.ofSeconds(10), condition);
  }

  /** Tasks 0..n-1 of one graph; records what each poll asked for and what came back. */
  private static final class FakeQueue implements TaskQueue {
    final boolean remote;
    final LinkedBlockingDeque<Task> tasks = new LinkedBlockingDeque<>();
    final List<Integer> polledFor = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> postponed = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> released = Collections.synchronizedList(new ArrayList<>());

    FakeQueue(boolean remote, int count) {
      this.remote = remote;
      for (int node = 0; node < count; node++) {
        tasks.add(new Task("g", node, 1, false, System.nanoTime(), "r" + node));
      }
    }

    @Override
    public void offer(String graphId, GraphRun.Dispatch dispatch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Task> poll(int max, Duration wait) throws InterruptedException {
      if (tasks.isEmpty()) {
        Thread.sleep(wait.toMillis());
        return List.of();
      }
      polledFor.add(max);
      List<Task> taken = new ArrayList<>();
      tasks.drainTo(taken, max);
      return taken;
    }

    @Override
    public void ack(Task task) {}

    @Override
    public void release(Task task) {
      released.add(task.node());
    }

    @Override
    public void postpone(Task task, Duration delay) {
      assertEquals(Duration.ZERO, delay);
      postponed.add(task.node());
    }

    @Override
    public int size() {
      return tasks.size();
    }

    @Override
    public boolean pollsRemotely() {
      return remote;
    }
  }
}
