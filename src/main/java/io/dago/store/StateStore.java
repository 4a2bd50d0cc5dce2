package io.dago.store;

import io.dago.state.GraphPage;
import io.dago.state.GraphRun;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where graphs live while they run and after they finish.
 *
 * <p>Concurrency contract: {@link #update} is atomic per graph. Mutations of one graph never interleave, and the
 * events a mutation records are appended to the {@link EventBus} before the next mutation of that graph
 * starts, so the event log is in the order of the state changes. The nodes a change makes ready
 * ({@link GraphRun#drainDispatches()}) are handed to the task queue in the same step as the change is committed, so
 * a crash between the two cannot lose them. A mutation may be run more than once (an implementation that retries on
 * a version conflict), so it must not have side effects outside the run.
 *
 * <p>Implementations that talk to a server throw {@link StoreUnavailableException} when it cannot be reached; the
 * call then changed nothing.
 */
public interface StateStore {

  /**
   * Stores a new graph, publishes the events it recorded at creation and enqueues the nodes it made ready.
   *
   * @param document the document the run was planned from, for stores that rebuild runs from it
   * @param idempotencyKey when not null and already used, nothing is stored and the earlier graph is returned
   * @param fingerprint identifies the submitted document, so a reused key with another document can be told apart
   */
  Created create(GraphRun run, Map<String, Object> document, String idempotencyKey, String fingerprint);

  /**
   * A new graph id from {@code newIds} that this store can keep together with the idempotency key in one atomic
   * step. Stores that keep everything in one place take the first.
   */
  default String placeGraph(String idempotencyKey, Supplier<String> newIds) {
    return newIds.get();
  }

  /** What {@link #create} did. */
  record Created(String graphId, boolean isNew, boolean fingerprintMatches) {}

  /**
   * Applies a change to a graph atomically and publishes the events it recorded.
   *
   * @return the mutation's result, or empty when there is no such graph
   */
  default <T> Optional<T> update(String graphId, Function<GraphRun, T> mutation) {
    return update(graphId, null, mutation);
  }

  /**
   * Applies a change that finishes a task, and acknowledges the task in the same step as the change is committed
   * (whether or not the change recorded anything), so a task is never acknowledged before its outcome is stored.
   *
   * @param done the task whose outcome this change stores, or null
   * @return the mutation's result, or empty when there is no such graph (the task is then acknowledged all the same)
   */
  <T> Optional<T> update(String graphId, TaskQueue.Task done, Function<GraphRun, T> mutation);

  /** A consistent snapshot of a graph, up to date with the store, or empty when there is no such graph. */
  default Optional<GraphView> view(String graphId) {
    return latest(graphId, GraphRun::view);
  }

  /**
   * Reads the graph's run brought up to date with the store first (with Redis, one read of the log while the graph
   * runs), while holding it. The reading must not change the run. Empty when there is no such graph, or when the
   * reading gives null.
   */
  <T> Optional<T> latest(String graphId, Function<GraphRun, T> reading);

  /**
   * Reads the graph's run as this instance has it, without asking any other and without waiting for a commit in
   * flight: what other instances changed lately may be missing, and a change of this instance's that is being
   * committed may already show (it is undone if its commit is refused). For decisions that are checked again when
   * their change is stored. The reading must not change the run. Empty when there is no such graph, or when the
   * reading gives null.
   */
  <T> Optional<T> inspect(String graphId, Function<GraphRun, T> reading);

  /**
   * The graph's status as this instance last saw it, without asking any other: a running status may be behind (the
   * graph may have ended on another instance), a finished one is final. Empty when there is no such graph. For
   * waiting on a graph, whose events tell the rest.
   */
  Optional<GraphStatus> statusSeen(String graphId);

  /**
   * Graphs newest first.
   *
   * @param status only graphs in this status, or null for all
   * @param cursor the {@code nextCursor} of the previous page, or null for the first page
   */
  GraphPage list(GraphStatus status, int limit, String cursor);

  /** For {@code /health}: whether the store can be reached now; implementations that hold nothing remote are up. */
  default boolean isUp() {
    return true;
  }

  /** The store's component name in {@code /health}: what an operator would check when it is down. */
  default String healthName() {
    return "state_store";
  }
}
