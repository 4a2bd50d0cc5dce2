package io.dago.api.grpc;

import com.google.protobuf.Timestamp;
import io.dago.api.grpc.v1.ErrorInfo;
import io.dago.api.grpc.v1.Event;
import io.dago.api.grpc.v1.Graph;
import io.dago.api.grpc.v1.GraphSummary;
import io.dago.api.grpc.v1.ListGraphsResponse;
import io.dago.api.grpc.v1.Node;
import io.dago.api.grpc.v1.Usage;
import io.dago.api.grpc.v1.ValidateGraphResponse;
import io.dago.engine.ValidationReport;
import io.dago.state.GraphPage;
import io.dago.state.GraphView;
import io.dago.state.NodeView;
import java.time.Instant;

/**
 * The proto shape of dago's values: what {@link io.dago.api.ApiJson} is for JSON, field for field. A value that
 * is null in the JSON document is an unset field here; statuses and event types are the same strings.
 */
final class ProtoMessages {
  private ProtoMessages() {}

  static Graph graph(GraphView graph) {
    Graph.Builder builder = Graph.newBuilder()
        .setId(graph.id())
        .setStatus(graph.status().wireName())
        .setTraceId(graph.traceId());
    if (graph.name() != null) {
      builder.setName(graph.name());
    }
    if (graph.createdAt() != null) {
      builder.setCreatedAt(time(graph.createdAt()));
    }
    if (graph.startedAt() != null) {
      builder.setStartedAt(time(graph.startedAt()));
    }
    if (graph.finishedAt() != null) {
      builder.setFinishedAt(time(graph.finishedAt()));
    }
    if (graph.input() != null) {
      builder.setInput(Structs.toStruct(graph.input()));
    }
    if (graph.error() != null) {
      builder.setError(error(graph.error()));
    }
    if (graph.usage() != null) {
      builder.setUsage(usage(graph.usage()));
    }
    for (NodeView node : graph.nodes()) {
      builder.addNodes(node(node));
    }
    return builder.build();
  }

  static Node node(NodeView node) {
    Node.Builder builder = Node.newBuilder()
        .setId(node.id())
        .setStatus(node.status().wireName())
        .addAllDependsOn(node.dependsOn())
        .setAttempts(node.attempts());
    if (node.output() != null) {
      builder.setOutput(node.output());
    }
    if (node.error() != null) {
      builder.setError(error(node.error()));
    }
    if (node.usage() != null) {
      builder.setUsage(usage(node.usage()));
    }
    if (node.stopReason() != null) {
      builder.setStopReason(node.stopReason());
    }
    if (node.startedAt() != null) {
      builder.setStartedAt(time(node.startedAt()));
    }
    if (node.finishedAt() != null) {
      builder.setFinishedAt(time(node.finishedAt()));
    }
    return builder.build();
  }

  static GraphSummary summary(GraphView.Summary summary) {
    GraphSummary.Builder builder = GraphSummary.newBuilder()
        .setId(summary.id())
        .setStatus(summary.status().wireName())
        .setNodeCount(summary.nodeCount());
    if (summary.name() != null) {
      builder.setName(summary.name());
    }
    if (summary.createdAt() != null) {
      builder.setCreatedAt(time(summary.createdAt()));
    }
    if (summary.startedAt() != null) {
      builder.setStartedAt(time(summary.startedAt()));
    }
    if (summary.finishedAt() != null) {
      builder.setFinishedAt(time(summary.finishedAt()));
    }
    if (summary.error() != null) {
      builder.setError(error(summary.error()));
    }
    if (summary.usage() != null) {
      builder.setUsage(usage(summary.usage()));
    }
    return builder.build();
  }

  /** One page of a listing; {@code next_cursor} is empty on the last page. */
  static ListGraphsResponse page(GraphPage page) {
    ListGraphsResponse.Builder builder = ListGraphsResponse.newBuilder();
    for (GraphView.Summary summary : page.graphs()) {
      builder.addGraphs(summary(summary));
    }
    if (page.nextCursor() != null) {
      builder.setNextCursor(page.nextCursor());
    }
    return builder.build();
  }

  static Event event(io.dago.state.Event event) {
    Event.Builder builder = Event.newBuilder()
        .setSeq(event.seq())
        .setType(event.type().name())
        .setGraphId(event.graphId())
        .setTraceId(event.traceId())
        .setData(Structs.toStruct(event.data()));
    if (event.nodeId() != null) {
      builder.setNodeId(event.nodeId());
    }
    if (event.time() != null) {
      builder.setTime(time(event.time()));
    }
    return builder.build();
  }

  /** An invalid graph is an error, so a report always says {@code valid}. */
  static ValidateGraphResponse validation(ValidationReport report) {
    return ValidateGraphResponse.newBuilder()
        .setValid(true)
        .setNodes(report.nodes())
        .setDepth(report.depth())
        .build();
  }

  static Usage usage(io.dago.llm.Usage usage) {
    return Usage.newBuilder()
        .setInputTokens(usage.inputTokens())
        .setOutputTokens(usage.outputTokens())
        .build();
  }

  static ErrorInfo error(io.dago.state.ErrorInfo error) {
    ErrorInfo.Builder builder = ErrorInfo.newBuilder().setRetryable(error.retryable());
    if (error.code() != null) {
      builder.setCode(error.code());
    }
    if (error.message() != null) {
      builder.setMessage(error.message());
    }
    return builder.build();
  }

  static Timestamp time(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
