package io.dago.api.grpc;

/**
 * What the gRPC API reports about the calls it serves, for metrics. Does nothing by default; {@link #NONE} is the
 * observer of an API nobody watches.
 *
 * <p>Called once per call on a gRPC thread; must be quick and must not throw.
 */
public interface GrpcObserver {
  GrpcObserver NONE = new GrpcObserver() {};

  /**
   * @param method the full method name, such as {@code dago.v1.Orchestrator/SubmitGraph}
   * @param code the status code's name, such as {@code OK} or {@code NOT_FOUND}; {@code CANCELLED} when the client
   *     went away first
   */
  default void callFinished(String method, String code) {}
}
