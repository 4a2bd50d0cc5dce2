package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProcessAndJvmMetricsTest {

  @Test
  void processValuesAreThoseOfThisProcess() {
    MetricRegistry registry = new MetricRegistry();
    ProcessMetrics.register(registry);

    Exposition scrape = Exposition.parse(registry.scrape());
    double now = Instant.now().getEpochSecond();
    double started = scrape.value("process_start_time_seconds");
    assertTrue(started <= now && started > now - 24 * 3600, "started at " + started + ", now is " + now);
    assertTrue(scrape.value("process_cpu_seconds_total") > 0);
    assertTrue(scrape.value("process_open_fds") > 0);
    assertTrue(scrape.value("process_max_fds") >= scrape.value("process_open_fds"));
    assertTrue(scrape.value("process_resident_memory_bytes") > 1024 * 1024);
    assertTrue(scrape.value("process_virtual_memory_bytes") >= scrape.value("process_resident_memory_bytes"));
  }

  @Test
  void jvmValuesComeFromTheRunningJvm() {
    MetricRegistry registry = new MetricRegistry();
    JvmMetrics.register(registry);
    System.gc();

    Exposition scrape = Exposition.parse(registry.scrape());
    assertTrue(scrape.value("jvm_memory_used_bytes{area=\"heap\"}") > 0);
    assertTrue(scrape.value("jvm_memory_committed_bytes{area=\"heap\"}")
        >= scrape.value("jvm_memory_used_bytes{area=\"heap\"}"));
    assertTrue(scrape.value("jvm_threads_current") >= 1);
    assertTrue(scrape.value("jvm_threads_peak") >= scrape.value("jvm_threads_current"));
    assertTrue(scrape.families().contains("jvm_gc_collections_total"), scrape.text());
    assertTrue(scrape.families().contains("jvm_gc_collection_seconds_total"), scrape.text());
  }
}
