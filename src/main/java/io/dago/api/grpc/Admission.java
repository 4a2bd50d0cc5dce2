package io.dago.api.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.dago.api.AccessGate;
import io.dago.api.Authenticator;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Asks the {@link AccessGate} about every call before the service sees it, the server-streaming watch included:
 * the token comes from the {@code authorization} metadata ({@code Bearer <token>}). A refused call ends at once
 * with UNAUTHENTICATED, or with RESOURCE_EXHAUSTED carrying a {@code google.rpc.RetryInfo} with the delay.
 *
 * <p>Installed on {@code dago.v1.Orchestrator} and on server reflection, innermost-last so that it runs first; the
 * standard health service goes without it, as {@code GET /health} does.
 */
final class Admission implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final AccessGate gate;

  Admission(AccessGate gate) {
    this.gate = gate;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    AccessGate.Verdict verdict = gate.check(AccessGate.Api.GRPC, Authenticator.bearerToken(headers.get(AUTHORIZATION)),
        remote instanceof InetSocketAddress address ? address.getAddress() : null);
    if (verdict.admitted()) {
      return next.startCall(call, headers);
    }
    StatusRuntimeException refusal = refusal(verdict);
    call.close(refusal.getStatus(), refusal.getTrailers() == null ? new Metadata() : refusal.getTrailers());
    return new ServerCall.Listener<>() {};
  }

  private static StatusRuntimeException refusal(AccessGate.Verdict verdict) {
    return switch (verdict.refusal()) {
      case UNAUTHORIZED -> Status.UNAUTHENTICATED.withDescription(verdict.message()).asRuntimeException();
      case RATE_LIMITED -> StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
          .setMessage(verdict.message())
          .addDetails(Any.pack(RetryInfo.newBuilder()
              .setRetryDelay(Duration.newBuilder().setSeconds(verdict.retryAfterSeconds()))
              .build()))
          .build());
    };
  }
}
