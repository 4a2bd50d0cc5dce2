package io.dago.state;

import java.util.Locale;

/** A node's lifecycle: pending -> running -> completed | failed | cancelled, or pending -> skipped | cancelled. */
public enum NodeStatus {
  PENDING, RUNNING, COMPLETED, FAILED, SKIPPED, CANCELLED;

  public boolean isTerminal() {
    return this != PENDING && this != RUNNING;
  }

  /** Every legal node transition, in one place. RUNNING -> RUNNING is a new attempt after a retryable failure. */
  public boolean canMoveTo(NodeStatus next) {
    return switch (this) {
      case PENDING -> next == RUNNING || next == SKIPPED || next == CANCELLED;
      case RUNNING -> next == RUNNING || next == COMPLETED || next == FAILED || next == CANCELLED;
      case COMPLETED, FAILED, SKIPPED, CANCELLED -> false;
    };
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
