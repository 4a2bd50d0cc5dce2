package io.dago.state;

import java.util.Locale;

/** A graph's lifecycle: pending -> running -> completed | failed | cancelled. */
public enum GraphStatus {
  PENDING, RUNNING, COMPLETED, FAILED, CANCELLED;

  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  /** Every legal graph transition, in one place. */
  public boolean canMoveTo(GraphStatus next) {
    return switch (this) {
      case PENDING -> next == RUNNING || next == FAILED || next == CANCELLED;
      case RUNNING -> next == COMPLETED || next == FAILED || next == CANCELLED;
      case COMPLETED, FAILED, CANCELLED -> false;
    };
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @return the status with this wire name, or null when there is none */
  public static GraphStatus fromWire(String name) {
    for (GraphStatus status : values()) {
      if (status.wireName().equals(name)) {
        return status;
      }
    }
    return null;
  }
}
