package io.dago.api.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.dago.engine.GraphFinishedException;
import io.dago.engine.GraphNotFoundException;
import io.dago.engine.IdempotencyConflictException;
import io.dago.engine.OverloadedException;
import io.dago.graph.InvalidGraphException;
import io.dago.graph.Problem;
import io.dago.json.InvalidJsonException;
import io.dago.store.StoreUnavailableException;
import io.grpc.Context;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns exceptions into gRPC statuses: {@link #toStatus} is the table, the same domain errors as the HTTP API's
 * mapping, and as an interceptor this class applies it to whatever a handler throws. Anything unmapped is a fault
 * of ours: it is logged with its stack trace under a fresh error id, and the client gets INTERNAL quoting only the
 * id. Without this, gRPC would answer UNKNOWN.
 */
final class StatusMapping implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(StatusMapping.class.getName());
  static final String ERROR_DOMAIN = "dago";
  /**
   * Details travel in the trailers, and gRPC clients refuse trailers above 8 KiB by default; with this budget for
   * the field violations (base64 makes it about 5.5 KiB) the rest of the trailers fit.
   */
  static final int MAX_DETAILS_BYTES = 4096;

  /**
   * Every exception a handler may throw, and its status.
   *
   * @param where the call being served, for the log
   */
  static StatusRuntimeException toStatus(Throwable e, String where) {
    return switch (e) {
      case StatusRuntimeException status -> status;
      case StatusException status -> status.getStatus().asRuntimeException(status.getTrailers());
      case InvalidGraphException invalid -> badRequest(invalid.getMessage(), invalid.problems());
      case InvalidJsonException json ->
          Status.INVALID_ARGUMENT.withDescription(json.getMessage()).asRuntimeException();
      case GraphNotFoundException notFound ->
          Status.NOT_FOUND.withDescription(notFound.getMessage()).asRuntimeException();
      case GraphFinishedException finished -> graphFinished(finished);
      // Redis is out of reach and nothing was changed, as the HTTP API's 503 unavailable: the call may be retried.
      case StoreUnavailableException outage -> Status.UNAVAILABLE
          .withDescription("the state store is unreachable, nothing was changed; retry later").asRuntimeException();
      // Backpressure, as the HTTP API's 503 overloaded: UNAVAILABLE is the status clients retry, after RetryInfo's delay.
      case OverloadedException overloaded -> overloaded(overloaded);
      // The key names a graph that exists, created from another document; retrying the same call cannot succeed.
      case IdempotencyConflictException conflict ->
          Status.ALREADY_EXISTS.withDescription(conflict.getMessage()).asRuntimeException();
      case InterruptedException interrupted -> Context.current().isCancelled()
          ? Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException()
          : Status.UNAVAILABLE.withDescription("the server is shutting down; retry the call").asRuntimeException();
      default -> internal(e, where);
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(call, headers);
    } catch (RuntimeException e) {
      close(call, e);
      return new ServerCall.Listener<>() {};
    }
    // Unary and server-streaming handlers run inside onHalfClose; the others are guarded for completeness.
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          close(call, e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException e) {
          close(call, e);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } catch (RuntimeException e) {
          close(call, e);
        }
      }
    };
  }

  private static void close(ServerCall<?, ?> call, RuntimeException e) {
    StatusRuntimeException status = toStatus(e, call.getMethodDescriptor().getFullMethodName());
    Metadata trailers = status.getTrailers();
    try {
      call.close(status.getStatus(), trailers == null ? new Metadata() : trailers);
    } catch (IllegalStateException alreadyClosed) {
      LOG.log(Level.FINE, e, () -> "call " + call.getMethodDescriptor().getFullMethodName()
          + " failed after it had been closed");
    }
  }

  /**
   * INVALID_ARGUMENT with each problem as a {@code google.rpc.BadRequest} field violation, as many as fit in
   * {@link #MAX_DETAILS_BYTES}; the last violation then says how many more there are.
   */
  static StatusRuntimeException badRequest(String message, List<Problem> problems) {
    BadRequest.Builder details = BadRequest.newBuilder();
    int size = 0;
    for (int i = 0; i < problems.size(); i++) {
      BadRequest.FieldViolation violation = BadRequest.FieldViolation.newBuilder()
          .setField(problems.get(i).path())
          .setDescription(problems.get(i).message())
          .build();
      size += violation.getSerializedSize() + 4;
      if (size > MAX_DETAILS_BYTES) {
        details.addFieldViolations(BadRequest.FieldViolation.newBuilder()
            .setField("$")
            .setDescription("and " + (problems.size() - i) + " more problems, left out to keep the answer small"));
        break;
      }
      details.addFieldViolations(violation);
    }
    return withDetails(Code.INVALID_ARGUMENT_VALUE, message, details.build());
  }

  /** FAILED_PRECONDITION; like the HTTP API's {@code status} member, the metadata say how the graph ended. */
  private static StatusRuntimeException graphFinished(GraphFinishedException e) {
    return withDetails(Code.FAILED_PRECONDITION_VALUE, e.getMessage(),
        errorInfo("GRAPH_FINISHED").putMetadata("status", e.status().wireName()).build());
  }

  /** UNAVAILABLE with ErrorInfo reason {@code OVERLOADED} and a {@code google.rpc.RetryInfo} saying when to retry. */
  private static StatusRuntimeException overloaded(OverloadedException e) {
    return withDetails(Code.UNAVAILABLE_VALUE, e.getMessage(), errorInfo("OVERLOADED").build(),
        RetryInfo.newBuilder()
            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(Math.max(1, e.retryAfter().toSeconds())))
            .build());
  }

  private static com.google.rpc.ErrorInfo.Builder errorInfo(String reason) {
    return com.google.rpc.ErrorInfo.newBuilder().setReason(reason).setDomain(ERROR_DOMAIN);
  }

  /** A status with its details, carried in the trailers as {@code grpc-status-details-bin}. */
  private static StatusRuntimeException withDetails(int code, String message, Message... details) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(code).setMessage(message);
    for (Message detail : details) {
      status.addDetails(Any.pack(detail));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  private static StatusRuntimeException internal(Throwable e, String where) {
    String errorId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    LOG.log(Level.SEVERE, e, () -> "unexpected error " + errorId + " serving " + where);
    return Status.INTERNAL
        .withDescription("an unexpected error occurred; report error id " + errorId + " to the operator")
        .asRuntimeException();
  }
}
