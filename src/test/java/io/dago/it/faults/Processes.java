package io.dago.it.faults;

import io.dago.testing.DagoProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Starts several dago processes side by side: each JVM takes a second or two to start. */
final class Processes {
  private Processes() {}

  /**
   * Starts one dago per environment, in parallel, and returns them in the same order; if one cannot start, the
   * others are killed before the failure is thrown, so that no process outlives a failed test.
   */
  static List<DagoProcess> startAll(List<Map<String, String>> environments) {
    List<CompletableFuture<DagoProcess>> starting = environments.stream()
        .map(env -> CompletableFuture.supplyAsync(() -> DagoProcess.start(env))).toList();
    List<DagoProcess> started = new ArrayList<>();
    RuntimeException failure = null;
    for (CompletableFuture<DagoProcess> future : starting) {
      try {
        started.add(future.join());
      } catch (CompletionException e) {
        RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
        if (failure == null) {
          failure = cause;
        } else {
          failure.addSuppressed(cause);
        }
      }
    }
    if (failure != null) {
      started.forEach(DagoProcess::close);
      throw failure;
    }
    return started;
  }
}
