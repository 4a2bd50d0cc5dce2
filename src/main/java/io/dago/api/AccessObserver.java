package io.dago.api;

/**
 * What {@link AccessGate} reports about the requests it refuses, for metrics. Does nothing by default; {@link #NONE}
 * is the observer of a gate nobody watches.
 *
 * <p>Called on the request's thread (a gRPC or WebSocket I/O thread among them); must be quick and must not throw.
 */
public interface AccessObserver {
  AccessObserver NONE = new AccessObserver() {};

  /** One request or WebSocket handshake was refused before it was served. */
  default void refused(AccessGate.Api api, AccessGate.Refusal refusal) {}
}
