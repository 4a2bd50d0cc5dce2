package io.dago.api.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/** Carries the caller's W3C {@code traceparent} metadata to the service, as HTTP carries the header. */
final class TraceparentMetadata implements ServerInterceptor {
  static final Context.Key<String> TRACEPARENT = Context.key("traceparent");
  private static final Metadata.Key<String> HEADER = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String traceparent = headers.get(HEADER);
    if (traceparent == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(TRACEPARENT, traceparent), call, headers, next);
  }
}
