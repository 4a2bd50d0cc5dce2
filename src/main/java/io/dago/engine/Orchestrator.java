package io.dago.engine;

import io.dago.state.Event;
import io.dago.store.EventBus;
import io.dago.state.GraphPage;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The application service: everything a client can ask of dago, whatever protocol it speaks.
 * HTTP and gRPC handlers translate their requests into these calls and these results back; every rule
 * lives here or below, never in a handler.
 * STUB SIGNATURES: implementation in progress.
 */
public final class Orchestrator {

  /**
   * Validates and starts a graph.
   *
   * @param document the graph document as a JSON tree
   * @param idempotencyKey when not null, a retried submit with the same key and document returns the first graph
   * @return the graph's state right after submission
   * @throws io.dago.graph.InvalidGraphException with every problem found
   * @throws IdempotencyConflictException when the key was used for a different document
   */
  public GraphView submit(Map<String, Object> document, String idempotencyKey) {
    throw new UnsupportedOperationException();
  }

  /** Runs every check of {@link #submit} without running anything. */
  public ValidationReport validate(Map<String, Object> document) {
    throw new UnsupportedOperationException();
  }

  /** @throws GraphNotFoundException */
  public GraphView get(String graphId) {
    throw new UnsupportedOperationException();
  }

  /**
   * Waits until the graph finishes or {@code wait} passes, whichever comes first, then returns its state.
   *
   * @throws GraphNotFoundException
   */
  public GraphView await(String graphId, Duration wait) throws InterruptedException {
    throw new UnsupportedOperationException();
  }

  /**
   * @param status only graphs in this status, or null for all
   * @param cursor from a previous page, or null for the first
   */
  public GraphPage list(GraphStatus status, int limit, String cursor) {
    throw new UnsupportedOperationException();
  }

  /**
   * Cancels a graph: running calls are aborted, running and pending nodes become cancelled.
   *
   * @throws GraphNotFoundException
   * @throws GraphFinishedException when it had already finished
   */
  public GraphView cancel(String graphId) {
    throw new UnsupportedOperationException();
  }

  /** The graph's events with {@code seq > afterSeq}, in order. @throws GraphNotFoundException */
  public List<Event> events(String graphId, long afterSeq) {
    throw new UnsupportedOperationException();
  }

  /**
   * Follows a graph: its events with {@code seq > afterSeq}, first the stored ones, then live ones as they happen,
   * with no gap and no duplicate, ending by itself after the terminal event. The listener must not block.
   *
   * @throws GraphNotFoundException
   */
  public EventBus.Subscription follow(String graphId, long afterSeq, EventBus.EventListener listener) {
    throw new UnsupportedOperationException();
  }

  public Health health() {
    throw new UnsupportedOperationException();
  }
}
