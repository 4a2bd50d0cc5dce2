package io.dago.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The child processes the fixtures started and have not ended yet. A child outlives the JVM that started it, so a
 * test that fails before its {@code close()}, or a test run stopped with Ctrl-C, would leave a redis-server or a
 * dago behind, holding its port and directory. One shutdown hook kills whatever is still registered. Nothing can
 * help when the test JVM itself is killed with SIGKILL.
 */
final class ChildProcesses {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(
        new Thread(() -> LIVE.forEach(Process::destroyForcibly), "test-child-process-reaper"));
  }

  private ChildProcesses() {}

  static void track(Process process) {
    LIVE.add(process);
  }

  static void forget(Process process) {
    LIVE.remove(process);
  }
}
