package io.dago.fuzz;

import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.dago.api.grpc.v1.CancelGraphRequest;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.ListGraphsRequest;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.RetryPolicy;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.ValidateGraphRequest;
import io.dago.api.grpc.v1.WatchGraphRequest;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Random calls of {@code dago.v1.Orchestrator}: graph definitions with every field set to anything its type allows
 * (negative and huge numbers, NaN temperatures, unicode and template abuse in strings), {@code input} Structs with
 * NaN, infinities and nesting past protobuf's limit, requests naming graphs that exist or not with waits and
 * sequence numbers out of range, and plain random bytes in place of a request message.
 */
final class GrpcFuzzer {
  /** One call: the method's name and either a request message or raw bytes to send instead of one. */
  record Call(String method, Message message, byte[] raw, String description) {
    byte[] bytes() {
      return raw != null ? raw : message.toByteArray();
    }
  }

  private static final List<String> METHODS = List.of("SubmitGraph", "ValidateGraph", "GetGraph", "ListGraphs",
      "CancelGraph", "WatchGraph");

  private final SplittableRandom random;
  private final GraphFuzzer graphs;
  private final Supplier<String> knownId;

  GrpcFuzzer(SplittableRandom random, Supplier<String> knownId) {
    this.random = random;
    this.graphs = new GraphFuzzer(random);
    this.knownId = knownId;
  }

  Call next() {
    int kind = random.nextInt(100);
    if (kind < 45) {
      GraphDefinition graph = definition();
      boolean validate = random.nextInt(4) == 0;
      if (validate) {
        return new Call("ValidateGraph", ValidateGraphRequest.newBuilder().setGraph(graph).build(), null,
            "ValidateGraph of a random definition");
      }
      SubmitGraphRequest.Builder submit = SubmitGraphRequest.newBuilder().setGraph(graph);
      if (random.nextInt(5) == 0) {
        submit.setIdempotencyKey(pick(List.of("k" + random.nextInt(4), "k".repeat(256), "\u0000", "\u00e9\u202e")));
      }
      return new Call("SubmitGraph", submit.build(), null, "SubmitGraph of a random definition");
    } else if (kind < 55) {
      return new Call("GetGraph", GetGraphRequest.newBuilder().setGraphId(id())
          .setWaitSeconds(pick(List.of(0, 1, -1, 61, Integer.MIN_VALUE, Integer.MAX_VALUE))).build(), null,
          "GetGraph");
    } else if (kind < 62) {
      return new Call("ListGraphs", ListGraphsRequest.newBuilder()
          .setStatus(pick(List.of("", "completed", "bogus", "COMPLETED", "\u0000", "running")))
          .setLimit(pick(List.of(0, 1, 1000, 1001, -1, Integer.MIN_VALUE, Integer.MAX_VALUE)))
          .setCursor(pick(List.of("", "junk", "(", "\u00ff", "z".repeat(3_000), "-", "+", "[")))
          .build(), null, "ListGraphs");
    } else if (kind < 68) {
      return new Call("CancelGraph", CancelGraphRequest.newBuilder().setGraphId(id()).build(), null, "CancelGraph");
    } else if (kind < 76) {
      return new Call("WatchGraph", WatchGraphRequest.newBuilder().setGraphId(id())
          .setAfterSeq(pick(List.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 3L))).build(), null, "WatchGraph");
    }
    String method = pick(METHODS);
    byte[] bytes;
    String description;
    switch (random.nextInt(4)) {
      case 0 -> {
        bytes = new byte[random.nextInt(0, 2_000)];
        random.nextBytes(bytes);
        description = bytes.length + " random bytes";
      }
      case 1 -> {
        byte[] valid = SubmitGraphRequest.newBuilder().setGraph(definition()).build().toByteArray();
        bytes = java.util.Arrays.copyOf(valid, random.nextInt(valid.length + 1));
        description = "a submit request truncated to " + bytes.length + " of " + valid.length + " bytes";
      }
      case 2 -> {
        byte[] valid = SubmitGraphRequest.newBuilder().setGraph(definition()).build().toByteArray();
        bytes = valid.clone();
        for (int i = 0; i < 5 && bytes.length > 0; i++) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        description = "a submit request with random bytes changed";
      }
      default -> {
        // A field tag of a wire type the field does not have, and a length that runs past the end.
        bytes = pick(List.of(new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f},
            new byte[] {0x0a, 0x02, 0x22, 0x7f}, new byte[] {0x08, (byte) 0x80}, new byte[] {0x0f},
            new byte[] {0x12, 0x00, 0x12, 0x00}, new byte[] {(byte) 0xfa, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, 0x0f, 0x00}));
        description = "a hand-made broken message";
      }
    }
    return new Call(method, null, bytes, description + " as a " + method + " request");
  }

  GraphDefinition definition() {
    GraphDefinition.Builder graph = GraphDefinition.newBuilder();
    if (random.nextInt(3) == 0) {
      graph.setName(string());
    }
    if (random.nextInt(3) != 0) {
      graph.setInput(struct(random.nextInt(10) == 0 ? pick(List.of(20, 33, 40, 60)) : 3));
    }
    if (random.nextInt(4) == 0) {
      graph.setTimeoutSeconds(integer());
    }
    int count = random.nextInt(10) == 0 ? pick(List.of(0, GraphFuzzer.MAX_NODES + 1, 300)) : random.nextInt(1, 6);
    boolean sane = random.nextInt(3) == 0;
    for (int i = 0; i < count; i++) {
      NodeDefinition.Builder node = NodeDefinition.newBuilder();
      if (sane || random.nextInt(8) != 0) {
        node.setId(sane || random.nextBoolean() ? "n" + i : string());
      }
      if (sane || random.nextInt(6) != 0) {
        node.setPrompt(sane ? "p {{input.topic}}" : random.nextBoolean() ? string()
            : pick(GraphFuzzer.NASTY_TEMPLATES));
      }
      if (i > 0 && random.nextBoolean()) {
        node.addDependsOn(sane ? "n" + random.nextInt(i) : random.nextBoolean() ? "n" + random.nextInt(count)
            : string());
      }
      if (!sane) {
        randomFields(node);
      }
      graph.addNodes(node);
    }
    if (sane) {
      graph.setInput(Struct.newBuilder().putFields("topic", Value.newBuilder().setStringValue("x").build()));
    }
    return graph.build();
  }

  private void randomFields(NodeDefinition.Builder node) {
    if (random.nextInt(4) == 0) {
      node.setType(pick(List.of("llm", "tool", "", "LLM")));
    }
    if (random.nextInt(4) == 0) {
      node.setSystem(string());
    }
    if (random.nextInt(4) == 0) {
      node.setModel(string());
    }
    if (random.nextInt(3) == 0) {
      node.setMaxTokens(integer());
    }
    if (random.nextInt(3) == 0) {
      node.setTemperature(pick(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.5,
          1.0000001, -1e-300, Double.MAX_VALUE, Double.MIN_VALUE)));
    }
    if (random.nextInt(3) == 0) {
      node.setTimeoutSeconds(integer());
    }
    if (random.nextInt(3) == 0) {
      RetryPolicy.Builder retry = RetryPolicy.newBuilder();
      if (random.nextBoolean()) {
        retry.setMaxAttempts(integer());
      }
      if (random.nextBoolean()) {
        retry.setInitialBackoffMs(pick(List.of(-1L, 0L, Long.MAX_VALUE, Long.MIN_VALUE, 3_600_001L, 5L)));
      }
      if (random.nextBoolean()) {
        retry.setMaxBackoffMs(pick(List.of(-1L, 0L, Long.MAX_VALUE, Long.MIN_VALUE, 3_600_001L, 4L)));
      }
      node.setRetry(retry);
    }
    if (random.nextInt(4) == 0) {
      node.setOnFailure(pick(List.of("continue", "fail_graph", "", "abort", "\u0000")));
    }
    if (random.nextInt(4) == 0) {
      node.setStream(random.nextBoolean());
    }
    if (random.nextInt(4) == 0) {
      node.setCache(random.nextBoolean());
    }
  }

  private int integer() {
    return pick(List.of(0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 200_001, 86_401, 604_801, 100, 101, 7));
  }

  private String string() {
    return switch (random.nextInt(4)) {
      case 0 -> pick(GraphFuzzer.NASTY_STRINGS);
      case 1 -> pick(GraphFuzzer.NASTY_TEMPLATES);
      case 2 -> "s".repeat(pick(List.of(64, 65, 201, GraphFuzzer.MAX_PROMPT_BYTES + 1, 70_000)));
      default -> "n" + random.nextInt(5);
    };
  }

  /** A Struct of strange values, {@code depth} levels deep along one path (each level three protobuf messages). */
  Struct struct(int depth) {
    Struct.Builder struct = Struct.newBuilder();
    struct.putFields("topic", Value.newBuilder().setStringValue(pick(GraphFuzzer.NASTY_STRINGS)).build());
    int fields = random.nextInt(0, 4);
    for (int i = 0; i < fields; i++) {
      struct.putFields(pick(GraphFuzzer.NASTY_STRINGS), value());
    }
    if (depth > 1) {
      struct.putFields("deeper", Value.newBuilder().setStructValue(struct(depth - 1)).build());
    }
    return struct.build();
  }

  private Value value() {
    return switch (random.nextInt(7)) {
      case 0 -> Value.newBuilder().setNumberValue(pick(List.of(Double.NaN, Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY, -0.0, 1e308, 9.007199254740993e15, 3.0, Double.MIN_VALUE))).build();
      case 1 -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case 2 -> Value.newBuilder().setBoolValue(random.nextBoolean()).build();
      case 3 -> Value.getDefaultInstance();
      case 4 -> Value.newBuilder().setListValue(ListValue.newBuilder()
          .addValues(Value.newBuilder().setNumberValue(Double.NaN))
          .addValues(Value.newBuilder().setStringValue(pick(GraphFuzzer.NASTY_STRINGS)))).build();
      case 5 -> Value.newBuilder().setStructValue(Struct.getDefaultInstance()).build();
      default -> Value.newBuilder().setStringValue(pick(GraphFuzzer.NASTY_STRINGS)).build();
    };
  }

  private String id() {
    String id = knownId.get();
    return id == null || random.nextInt(3) == 0 ? pick(List.of("", "nosuchgraph", "\u0000", "../x", "a".repeat(300),
        "01J0000000000000000000000", "\u00e9")) : id;
  }

  private <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }
}
