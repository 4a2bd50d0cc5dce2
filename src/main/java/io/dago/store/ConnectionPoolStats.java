package io.dago.store;

/** The connections of a store that talks to a server (Redis), read when metrics are scraped. */
public interface ConnectionPoolStats {
  /** Connections lent out now. */
  int active();

  /** Connections open and waiting in the pool. */
  int idle();

  /** Threads waiting for a connection now. */
  int waiting();

  /** Commands that failed since start (Redis unreachable, refused, or answering an error). */
  long errors();
}
