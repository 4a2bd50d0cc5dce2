package io.dago.store;

/**
 * The adapters one instance runs on, chosen once at start-up: in memory, or in Redis.
 *
 * @param description where the state lives, for the start-up log (never a secret)
 * @param connections the connection pool behind the adapters, for metrics; null when they hold none
 * @param resources what to close when the instance stops, after the engine has stopped using the adapters
 */
public record Storage(StateStore store, EventBus events, TaskQueue queue, ReplyCache replies, String description,
    ConnectionPoolStats connections, AutoCloseable resources) implements AutoCloseable {

  @Override
  public void close() {
    try {
      resources.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not close " + description, e);
    }
  }
}
