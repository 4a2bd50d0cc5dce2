package io.dago.state;

import io.dago.llm.Usage;
import java.time.Instant;

/** One node's mutable state inside a {@link GraphRun}; guarded by whoever guards the run. */
final class NodeRun {
  NodeStatus status = NodeStatus.PENDING;
  int attempts;
  String output;
  ErrorInfo error;
  Usage usage;
  String stopReason;
  boolean cached;
  Instant startedAt;
  Instant finishedAt;
  /** Parents not yet completed; the node becomes ready when this reaches zero. */
  int waitingOn;
  /** Set once, when the node is handed to the task queue, so it becomes ready exactly once. */
  boolean queued;

  NodeRun(int parents) {
    this.waitingOn = parents;
  }

  NodeRun copy() {
    NodeRun copy = new NodeRun(waitingOn);
    copy.status = status;
    copy.attempts = attempts;
    copy.output = output;
    copy.error = error;
    copy.usage = usage;
    copy.stopReason = stopReason;
    copy.cached = cached;
    copy.startedAt = startedAt;
    copy.finishedAt = finishedAt;
    copy.queued = queued;
    return copy;
  }
}
