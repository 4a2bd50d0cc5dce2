package io.dago.api.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A request that does not parse, nested deeper than protobuf allows (100 messages; a Struct spends three per level
 * of JSON object) or simply not a message, is answered INVALID_ARGUMENT, as HTTP answers such a body 400. gRPC
 * itself parses before any interceptor sees the call and answers a failed parse UNKNOWN "Application error
 * processing RPC", a server fault in the client's eyes.
 *
 * <p>How: every method of the service gets a request marshaller that returns an {@link Unreadable} instead of
 * throwing, and a handler that answers it, so the method's request type becomes {@code Object} on the wire side
 * only. Responses, the service's schema (for reflection) and its handlers are left as they were.
 */
final class UnreadableRequests {
  private UnreadableRequests() {}

  /** The service with every method's request parse failures answered INVALID_ARGUMENT. */
  static ServerServiceDefinition answer(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> lenient = lenient(method);
      descriptor.addMethod(lenient.getMethodDescriptor());
      methods.add(lenient);
    }
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(builder::addMethod);
    return builder.build();
  }

  /** What the marshaller returns for bytes that are not a request. */
  private record Unreadable(String reason) {}

  private static <Q, R> ServerMethodDefinition<Object, R> lenient(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> original = method.getMethodDescriptor();
    MethodDescriptor<Object, R> lenient = original
        .toBuilder(new LenientMarshaller<>(original.getRequestMarshaller()), original.getResponseMarshaller())
        .build();
    ServerCallHandler<Q, R> handler = method.getServerCallHandler();
    return ServerMethodDefinition.create(lenient, (call, headers) -> answer(call, headers, handler));
  }

  /**
   * Runs the call as the handler would, and answers an unreadable request itself. The original handler gets the
   * call under its own request type: only {@link ServerCall#getMethodDescriptor()} mentions it, and nothing in the
   * chain relies on its generic type.
   */
  @SuppressWarnings("unchecked")
  private static <Q, R> ServerCall.Listener<Object> answer(ServerCall<Object, R> call, Metadata headers,
      ServerCallHandler<Q, R> handler) {
    ClosingCall<R> closing = new ClosingCall<>(call);
    ServerCall.Listener<Q> listener = handler.startCall((ServerCall<Q, R>) (ServerCall<?, R>) closing, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Object>(
        (ServerCall.Listener<Object>) listener) {
      private boolean refused;

      @Override
      public void onMessage(Object message) {
        if (message instanceof Unreadable unreadable) {
          refused = true;
          if (!closing.closed) {
            closing.close(Status.INVALID_ARGUMENT.withDescription("the request cannot be read as "
                + call.getMethodDescriptor().getFullMethodName() + "'s request: " + unreadable.reason()),
                new Metadata());
          }
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        // A unary handler closes a call that got no request once more, which the call would refuse.
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }

  /** Remembers whether someone closed the call already (the access check, say), so that it is closed once. */
  private static final class ClosingCall<R> extends ForwardingServerCall.SimpleForwardingServerCall<Object, R> {
    /** Calls are serialised by gRPC; only its thread of the moment reads or writes this. */
    boolean closed;

    ClosingCall(ServerCall<Object, R> call) {
      super(call);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closed = true;
      super.close(status, trailers);
    }
  }

  private static final class LenientMarshaller<Q> implements MethodDescriptor.Marshaller<Object> {
    private final MethodDescriptor.Marshaller<Q> strict;

    LenientMarshaller(MethodDescriptor.Marshaller<Q> strict) {
      this.strict = strict;
    }

    @Override
    @SuppressWarnings("unchecked")
    public InputStream stream(Object value) {
      return strict.stream((Q) value);
    }

    @Override
    public Object parse(InputStream stream) {
      try {
        return strict.parse(stream);
      } catch (StatusRuntimeException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return new Unreadable(cause.getMessage() == null ? e.getStatus().toString() : cause.getMessage());
      }
    }
  }
}
