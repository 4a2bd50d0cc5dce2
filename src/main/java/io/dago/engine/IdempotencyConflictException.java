package io.dago.engine;

/** An idempotency key was used before with a different graph document. */
public final class IdempotencyConflictException extends RuntimeException {
  public IdempotencyConflictException(String existingGraphId) {
    super("this idempotency key was already used for graph '" + existingGraphId
        + "' with a different document; use a new key for a new graph");
  }
}
