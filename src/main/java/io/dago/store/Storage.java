package io.dago.store;

/**
 * The adapters one instance runs on, chosen once at start-up: in memory, or in Redis.
 *
 * @param description where the state lives, for the start-up log (never a secret)
 * @param resources what to close when the instance stops, after the engine has stopped using the adapters
 */
public record Storage(StateStore store, EventBus events, TaskQueue queue, ReplyCache replies, String description,
    AutoCloseable resources) implements AutoCloseable {

  @Override
  public void close() {
    try {
      resources.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not close " + description, e);
    }
  }
}
