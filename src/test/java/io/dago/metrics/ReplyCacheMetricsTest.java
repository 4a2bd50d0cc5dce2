package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.engine.EngineObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyCacheMetricsTest {
  private static final String HITS = "dago_llm_cache_requests_total{result=\"hit\"}";
  private static final String MISSES = "dago_llm_cache_requests_total{result=\"miss\"}";

  private final MetricRegistry registry = new MetricRegistry();
  private final EngineMetrics engine = new EngineMetrics(registry);

  @Test
  void hitsAndMissesStartAtZeroSoARatioIsDefinedBeforeTheFirstLookup() {
    Exposition scrape = Exposition.parse(registry.scrape());

    assertEquals(0, scrape.value(HITS));
    assertEquals(0, scrape.value(MISSES));
    assertEquals(true, scrape.typeLines().contains("dago_llm_cache_requests_total counter"), scrape.text());
  }

  @Test
  void hitsAndMissesAreCountedApart() {
    engine.cacheMiss();
    engine.cacheHit();
    engine.cacheHit();

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(2, scrape.value(HITS));
    assertEquals(1, scrape.value(MISSES));
  }

  @Test
  void lookupsFromManyThreadsLoseNoCount() throws InterruptedException {
    int threads = 8;
    int times = 50_000;
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      started.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < times; i++) {
          if (i % 4 == 0) {
            engine.cacheMiss();
          } else {
            engine.cacheHit();
          }
        }
      }));
    }
    for (Thread thread : started) {
      thread.join();
    }

    Exposition scrape = Exposition.parse(registry.scrape());
    assertEquals(threads * times * 3 / 4, scrape.value(HITS));
    assertEquals(threads * times / 4, scrape.value(MISSES));
  }

  @Test
  void theNoOpObserverAcceptsCacheReportsSilently() {
    EngineObserver.NONE.cacheHit();
    EngineObserver.NONE.cacheMiss();
  }
}
