package io.dago.api.grpc;

import io.dago.api.RequestLimits;
import io.dago.api.grpc.v1.CancelGraphRequest;
import io.dago.api.grpc.v1.Event;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.Graph;
import io.dago.api.grpc.v1.ListGraphsRequest;
import io.dago.api.grpc.v1.ListGraphsResponse;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphResponse;
import io.dago.api.grpc.v1.WatchGraphRequest;
import io.dago.engine.Orchestrator;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * {@code dago.v1.Orchestrator}: each call reads its request, calls the orchestrator and shapes the answer. Rules
 * live in the orchestrator; this class only checks what is the request's own (ranges, names) and leaves every
 * failure to {@link StatusMapping}. The limits are the HTTP API's.
 */
final class OrchestratorService extends OrchestratorGrpc.OrchestratorImplBase {
  private static final String ALLOWED_STATUSES =
      Arrays.stream(GraphStatus.values()).map(GraphStatus::wireName).collect(Collectors.joining(", "));

  private final Orchestrator orchestrator;
  private final Executor executor;
  private final Set<EventStream> watches = ConcurrentHashMap.newKeySet();

  /** @param executor runs the event streams of WatchGraph; the server's own */
  OrchestratorService(Orchestrator orchestrator, Executor executor) {
    this.orchestrator = orchestrator;
    this.executor = executor;
  }

  @Override
  public void submitGraph(SubmitGraphRequest request, StreamObserver<Graph> response) {
    String key = request.getIdempotencyKey();
    if (key.length() > RequestLimits.MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalidArgument("idempotency_key must be at most " + RequestLimits.MAX_IDEMPOTENCY_KEY_LENGTH
          + " characters long, not " + key.length());
    }
    GraphView graph = orchestrator.submit(Definitions.document(request.getGraph()), key.isEmpty() ? null : key,
        TraceparentMetadata.TRACEPARENT.get());
    reply(response, ProtoMessages.graph(graph));
  }

  @Override
  public void validateGraph(ValidateGraphRequest request, StreamObserver<ValidateGraphResponse> response) {
    reply(response, ProtoMessages.validation(orchestrator.validate(Definitions.document(request.getGraph()))));
  }

  /**
   * With {@code wait_seconds} this is a long poll. A cancelled call, or one whose deadline passes, interrupts the
   * wait, so that it holds nothing for a client that has gone.
   */
  @Override
  public void getGraph(GetGraphRequest request, StreamObserver<Graph> response) {
    int wait = request.getWaitSeconds();
    if (wait < 0 || wait > RequestLimits.MAX_WAIT_SECONDS) {
      throw invalidArgument("wait_seconds must be between 0 and " + RequestLimits.MAX_WAIT_SECONDS + ", not " + wait);
    }
    GraphView graph = wait == 0 ? orchestrator.get(request.getGraphId()) : await(request.getGraphId(), wait);
    reply(response, ProtoMessages.graph(graph));
  }

  private GraphView await(String graphId, int seconds) {
    Context context = Context.current();
    Thread waiting = Thread.currentThread();
    Context.CancellationListener interrupt = cancelled -> waiting.interrupt();
    context.addListener(interrupt, Runnable::run);
    try {
      return orchestrator.await(graphId, Duration.ofSeconds(seconds));
    } catch (InterruptedException e) {
      throw StatusMapping.toStatus(e, "GetGraph of graph " + graphId);
    } finally {
      context.removeListener(interrupt);
      // A cancellation that came after the wait had ended must not interrupt whatever this thread does next.
      Thread.interrupted();
    }
  }

  /** Newest first; {@code status} filters, {@code limit} sizes the page, {@code cursor} continues a listing. */
  @Override
  public void listGraphs(ListGraphsRequest request, StreamObserver<ListGraphsResponse> response) {
    GraphStatus status = null;
    if (!request.getStatus().isEmpty()) {
      status = GraphStatus.fromWire(request.getStatus());
      if (status == null) {
        throw invalidArgument("status must be one of " + ALLOWED_STATUSES + ", not '" + request.getStatus() + "'");
      }
    }
    int limit = request.getLimit() == 0 ? RequestLimits.DEFAULT_LIMIT : request.getLimit();
    if (limit < 1 || limit > RequestLimits.MAX_LIMIT) {
      throw invalidArgument("limit must be between 1 and " + RequestLimits.MAX_LIMIT + ", not " + limit);
    }
    String cursor = request.getCursor().isEmpty() ? null : request.getCursor();
    reply(response, ProtoMessages.page(orchestrator.list(status, limit, cursor)));
  }

  @Override
  public void cancelGraph(CancelGraphRequest request, StreamObserver<Graph> response) {
    reply(response, ProtoMessages.graph(orchestrator.cancel(request.getGraphId())));
  }

  @Override
  public void watchGraph(WatchGraphRequest request, StreamObserver<Event> response) {
    if (request.getAfterSeq() < 0) {
      throw invalidArgument("after_seq must be 0 or more, not " + request.getAfterSeq());
    }
    EventStream stream = new EventStream(orchestrator, request.getGraphId(), request.getAfterSeq(),
        (ServerCallStreamObserver<Event>) response, EventStream.LIVE_BUFFER, executor, watches::remove);
    watches.add(stream);
    stream.start();
  }

  /** Ends every watch with UNAVAILABLE, so that a stopping server need not wait for graphs to finish. */
  void stopWatches() {
    watches.forEach(EventStream::stop);
  }

  /** Watches still holding resources: a subscription, a buffer. */
  int openWatches() {
    return watches.size();
  }

  private static <T> void reply(StreamObserver<T> response, T message) {
    response.onNext(message);
    response.onCompleted();
  }

  private static StatusRuntimeException invalidArgument(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}
