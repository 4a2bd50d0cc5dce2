package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ConcurrentRecordingTest {
  private static final int THREADS = 8;
  private static final int TIMES = 100_000;

  private final MetricRegistry registry = new MetricRegistry();

  @Test
  void countersLoseNoIncrementUnderContention() throws Exception {
    Counter counter = registry.counter("hits_total", "Hits.");
    Gauge gauge = registry.gauge("level", "Level.");

    inParallel(() -> {
      for (int i = 0; i < TIMES; i++) {
        counter.inc();
        gauge.inc();
        gauge.dec();
        gauge.inc();
      }
    });

    assertEquals((long) THREADS * TIMES, counter.value());
    assertEquals((long) THREADS * TIMES, gauge.value());
  }

  @Test
  void histogramsLoseNoObservationUnderContention() throws Exception {
    Histogram histogram = registry.histogram("work_seconds", "Work.", new double[] {0.5, 1, 2});

    inParallel(() -> {
      for (int i = 0; i < TIMES; i++) {
        histogram.observe(i % 2 == 0 ? 0.25 : 1.5);
      }
    });

    Exposition scrape = Exposition.parse(registry.scrape());
    long total = (long) THREADS * TIMES;
    assertEquals(total / 2, scrape.value("work_seconds_bucket{le=\"0.5\"}"));
    assertEquals(total, scrape.value("work_seconds_bucket{le=\"2\"}"));
    assertEquals(total, scrape.value("work_seconds_count"));
    assertEquals(total / 2 * 0.25 + total / 2 * 1.5, scrape.value("work_seconds_sum"));
  }

  @Test
  void labelLookupsFromManyThreadsShareOneSeries() throws Exception {
    Family<Counter> family = registry.counter("by_status_total", "By status.", "status");
    List<Counter> seen = java.util.Collections.synchronizedList(new ArrayList<>());

    inParallel(() -> {
      seen.add(family.labels("ok"));
      for (int i = 0; i < TIMES; i++) {
        family.labels(i % 2 == 0 ? "ok" : "failed").inc();
      }
    });

    seen.forEach(counter -> assertSame(seen.get(0), counter));
    assertEquals(2, family.size());
    assertEquals((long) THREADS * TIMES / 2, family.labels("ok").value());
    assertEquals((long) THREADS * TIMES / 2, family.labels("failed").value());
  }

  @Test
  void everyScrapeTakenDuringRecordingHasInfEqualToCountAndCumulativeBuckets() throws Exception {
    Histogram histogram = registry.histogram("busy_seconds", "Busy.", new double[] {0.1, 1});
    AtomicBoolean recording = new AtomicBoolean(true);
    List<String> broken = new ArrayList<>();
    Thread scraper = Thread.ofPlatform().start(() -> {
      while (recording.get()) {
        Exposition scrape = Exposition.parse(registry.scrape());
        double low = scrape.value("busy_seconds_bucket{le=\"0.1\"}");
        double high = scrape.value("busy_seconds_bucket{le=\"1\"}");
        double inf = scrape.value("busy_seconds_bucket{le=\"+Inf\"}");
        if (low > high || high > inf || inf != scrape.value("busy_seconds_count")) {
          broken.add(scrape.text());
        }
      }
    });

    inParallel(() -> {
      for (int i = 0; i < TIMES; i++) {
        histogram.observe(i % 3 * 0.6);
      }
    });
    recording.set(false);
    scraper.join();

    assertEquals(List.of(), broken);
  }

  private static void inParallel(Runnable work) throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        work.run();
      }));
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
  }
}
