package io.dago.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Runs many graphs at once: one virtual thread each, all released together once every thread is ready, so that
 * every graph is in flight at the same time, whatever protocol submits them.
 */
final class Burst {
  private Burst() {}

  /**
   * @param graph the work of the i-th graph, returning its result
   * @param describe turns a failure into the line that counts it; equal lines are counted together
   * @return every graph's result, in no particular order
   * @throws BenchException naming how many graphs failed and how, when any did
   */
  static <T> List<T> run(int count, IntFunction<Callable<T>> graph, Function<Throwable, String> describe)
      throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(count);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>(count);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < count; i++) {
        Callable<T> work = graph.apply(i);
        futures.add(threads.submit(() -> {
          ready.countDown();
          go.await();
          return work.call();
        }));
      }
      ready.await();
      go.countDown();
    }
    List<T> finished = new ArrayList<>(count);
    Map<String, Integer> failures = new LinkedHashMap<>();
    for (Future<T> future : futures) {
      if (future.state() == Future.State.SUCCESS) {
        finished.add(future.resultNow());
      } else {
        failures.merge(describe.apply(future.exceptionNow()), 1, Integer::sum);
      }
    }
    if (!failures.isEmpty()) {
      StringBuilder message = new StringBuilder((count - finished.size()) + " of " + count
          + " concurrent graphs failed:");
      failures.entrySet().stream().limit(5)
          .forEach(f -> message.append("\n  ").append(f.getValue()).append(" x ").append(f.getKey()));
      if (failures.size() > 5) {
        message.append("\n  ... and ").append(failures.size() - 5).append(" other distinct errors");
      }
      throw new BenchException(message.toString());
    }
    return finished;
  }
}
