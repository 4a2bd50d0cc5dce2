package io.dago.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The standard {@code process_*} families, under the names every Prometheus client uses, so that existing
 * dashboards and alerts work unchanged. Read when scraped. A family the platform cannot provide is not declared,
 * rather than exported as a made-up zero: resident and virtual memory come from {@code /proc/self/status}, so
 * they exist on Linux only; descriptor counts need a Unix JVM.
 */
final class ProcessMetrics {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessMetrics() {}

  static void register(MetricRegistry registry) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean jdk && jdk.getProcessCpuTime() >= 0) {
      registry.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          () -> jdk.getProcessCpuTime() / 1e9);
    }
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      registry.gauge("process_open_fds", "Number of open file descriptors.", unix::getOpenFileDescriptorCount);
      registry.gauge("process_max_fds", "Maximum number of open file descriptors.",
          unix::getMaxFileDescriptorCount);
    }
    if (statusBytes("VmRSS") >= 0) {
      registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () -> statusBytes("VmRSS"));
      registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", () -> statusBytes("VmSize"));
    }
    double startSeconds = startTimeSeconds();
    registry.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        () -> startSeconds);
  }

  /**
   * A {@code kB} line of {@code /proc/self/status}, in bytes, or -1 when it cannot be read. The file is a few
   * hundred bytes from the kernel's memory; reading it is cheaper than anything worth caching.
   */
  static long statusBytes(String field) {
    List<String> lines;
    try {
      lines = Files.readAllLines(STATUS);
    } catch (IOException | SecurityException e) {
      return -1;
    }
    String prefix = field + ":";
    for (String line : lines) {
      if (line.startsWith(prefix)) {
        String[] parts = line.substring(prefix.length()).trim().split("\\s+");
        try {
          long value = Long.parseLong(parts[0]);
          return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  /** When the operating system says the process started; the JVM's own start time when it does not say. */
  private static double startTimeSeconds() {
    Instant start = ProcessHandle.current().info().startInstant()
        .orElseGet(() -> Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()));
    return start.getEpochSecond() + start.getNano() / 1e9;
  }
}
