package io.dago.state;

import io.dago.llm.Usage;
import java.time.Instant;
import java.util.List;

/** A snapshot of one node's state, as the API shows it. Fields without a value yet are null. */
public record NodeView(
    String id,
    NodeStatus status,
    List<String> dependsOn,
    int attempts,
    String output,
    ErrorInfo error,
    Usage usage,
    String stopReason,
    boolean cached,
    Instant startedAt,
    Instant finishedAt) {}
