package io.dago.state;

import io.dago.llm.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A snapshot of a graph's state, as the API shows it. Fields without a value yet are null. */
public record GraphView(
    String id,
    String name,
    GraphStatus status,
    String traceId,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    Map<String, Object> input,
    ErrorInfo error,
    Usage usage,
    List<NodeView> nodes) {

  /** The same graph without its nodes and input, for listings. */
  public record Summary(String id, String name, GraphStatus status, Instant createdAt, Instant startedAt,
      Instant finishedAt, ErrorInfo error, Usage usage, int nodeCount) {}

  public Summary summary() {
    return new Summary(id, name, status, createdAt, startedAt, finishedAt, error, usage, nodes.size());
  }
}
