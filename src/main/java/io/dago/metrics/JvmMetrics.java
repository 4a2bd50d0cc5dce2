package io.dago.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The {@code jvm_*} families: heap and non-heap memory, threads, and garbage collection, read from the platform
 * MXBeans when scraped. Names follow client_java's where promtool accepts them; collection time is a pair of
 * counters ({@code jvm_gc_collections_total}, {@code jvm_gc_collection_seconds_total}) rather than a summary
 * without quantiles.
 *
 * <p>Thread counts are platform threads: the JVM does not count virtual threads, which is where dago's workers
 * and HTTP exchanges run; {@code dago_worker_pool_busy} counts those.
 */
final class JvmMetrics {
  private static final List<String> AREA = List.of("area");
  private static final List<String> GC = List.of("gc");

  private JvmMetrics() {}

  static void register(MetricRegistry registry) {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    memory(registry, memory, "jvm_memory_used_bytes", "Used bytes of a given JVM memory area.", MemoryUsage::getUsed);
    memory(registry, memory, "jvm_memory_committed_bytes", "Committed bytes of a given JVM memory area.",
        MemoryUsage::getCommitted);
    memory(registry, memory, "jvm_memory_max_bytes",
        "Max bytes of a given JVM memory area; absent when the area has no limit.", MemoryUsage::getMax);

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    registry.gauge("jvm_threads_current", "Current platform thread count of the JVM.", threads::getThreadCount);
    registry.gauge("jvm_threads_daemon", "Daemon platform thread count of the JVM.", threads::getDaemonThreadCount);
    registry.gauge("jvm_threads_peak", "Peak platform thread count of the JVM.", threads::getPeakThreadCount);
    registry.counter("jvm_threads_started_total", "Platform threads started since the JVM started.",
        threads::getTotalStartedThreadCount);

    List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    registry.callback(Type.COUNTER, "jvm_gc_collections_total", "Collections run by a given JVM garbage collector.",
        GC, samples -> collectors.forEach(gc -> samples.add(Math.max(0, gc.getCollectionCount()), gc.getName())));
    registry.callback(Type.COUNTER, "jvm_gc_collection_seconds_total",
        "Time spent in a given JVM garbage collector in seconds.",
        GC, samples -> collectors.forEach(gc -> samples.add(Math.max(0, gc.getCollectionTime()) / 1e3, gc.getName())));
  }

  /** A value of heap and non-heap memory; -1, which the JVM uses for "undefined", leaves that area out. */
  private static void memory(MetricRegistry registry, MemoryMXBean memory, String name, String help,
      ToLongFunction<MemoryUsage> value) {
    registry.callback(Type.GAUGE, name, help, AREA, samples -> {
      long heap = value.applyAsLong(memory.getHeapMemoryUsage());
      long nonHeap = value.applyAsLong(memory.getNonHeapMemoryUsage());
      if (heap >= 0) {
        samples.add(heap, "heap");
      }
      if (nonHeap >= 0) {
        samples.add(nonHeap, "nonheap");
      }
    });
  }
}
