package io.dago.store;

import io.dago.state.GraphPage;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where graphs live while they run and after they finish.
 *
 * <p>Concurrency contract: {@link #update} is atomic per graph. Mutations of one graph never interleave, and the
 * events a mutation records are appended to the {@link EventBus} before the next mutation of that graph
 * starts, so the event log is in the order of the state changes. A mutation may be run more than once (an
 * implementation that retries on a version conflict), so it must not have side effects outside the run.
 */
public interface StateStore {

  /**
   * Stores a new graph and publishes the events it recorded at creation.
   *
   * @param idempotencyKey when not null and already used, nothing is stored and the earlier graph is returned
   * @param fingerprint identifies the submitted document, so a reused key with another document can be told apart
   */
  Created create(GraphRun run, String idempotencyKey, String fingerprint);

  /** What {@link #create} did. */
  record Created(String graphId, boolean isNew, boolean fingerprintMatches) {}

  /**
   * Applies a change to a graph atomically and publishes the events it recorded.
   *
   * @return the mutation's result, or empty when there is no such graph
   */
  <T> Optional<T> update(String graphId, Function<GraphRun, T> mutation);

  /** A consistent snapshot of a graph, or empty when there is no such graph. */
  Optional<GraphView> view(String graphId);

  /**
   * Graphs newest first.
   *
   * @param status only graphs in this status, or null for all
   * @param cursor the {@code nextCursor} of the previous page, or null for the first page
   */
  GraphPage list(GraphStatus status, int limit, String cursor);

  /** A line for {@code /health}; implementations that hold nothing remote are always up. */
  default boolean isUp() {
    return true;
  }
}
