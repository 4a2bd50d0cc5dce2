package io.dago.log;

/**
 * What the current thread is working on, added to every log line it writes: {@code graph_id}, {@code node_id},
 * {@code trace_id}. Work on a graph opens a scope; closing it restores what was there before.
 *
 * <pre>{@code
 * try (LogContext.Scope scope = LogContext.open(graphId, nodeId, traceId)) {
 *   LOG.info("node failed");   // carries graph_id, node_id and trace_id
 * }
 * }</pre>
 */
public final class LogContext {
  private static final ThreadLocal<Fields> CURRENT = new ThreadLocal<>();

  /** The context fields; any may be null. */
  public record Fields(String graphId, String nodeId, String traceId) {}

  private LogContext() {}

  /** Sets the context until the scope closes. */
  public static Scope open(String graphId, String nodeId, String traceId) {
    Fields previous = CURRENT.get();
    CURRENT.set(new Fields(graphId, nodeId, traceId));
    return () -> {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    };
  }

  /** The context of the calling thread, or null. */
  public static Fields current() {
    return CURRENT.get();
  }

  /** Restores the previous context; never throws. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
