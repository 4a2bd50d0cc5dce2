package io.dago.api.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells a {@link GrpcObserver} how each call ended. Install it outermost (last in
 * {@code ServerInterceptors.intercept}), so that the status it sees is the one the client gets, after
 * {@link StatusMapping} has turned exceptions into statuses.
 *
 * <p>A call ends either with the server closing it or with the client cancelling it; both can race, so the first
 * to arrive is reported and the other ignored.
 */
final class CallReporting implements ServerInterceptor {
  private final GrpcObserver observer;

  CallReporting(GrpcObserver observer) {
    this.observer = observer;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    AtomicBoolean reported = new AtomicBoolean();
    ServerCall<Q, A> reporting = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (reported.compareAndSet(false, true)) {
          observer.callFinished(method, status.getCode().name());
        }
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(reporting, headers)) {
      @Override
      public void onCancel() {
        if (reported.compareAndSet(false, true)) {
          observer.callFinished(method, Status.Code.CANCELLED.name());
        }
        super.onCancel();
      }
    };
  }
}
