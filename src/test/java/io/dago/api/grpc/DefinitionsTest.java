package io.dago.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.RetryPolicy;
import io.dago.graph.InvalidGraphException;
import io.dago.graph.Problem;
import io.dago.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefinitionsTest {

  private static Value number(double n) {
    return Value.newBuilder().setNumberValue(n).build();
  }

  @Test
  void aDefinition_becomesTheJsonTreeTheHttpApiWouldHaveParsed() {
    GraphDefinition graph = GraphDefinition.newBuilder()
        .setName("report")
        .setTimeoutSeconds(60)
        .setInput(Struct.newBuilder().putFields("topic", Value.newBuilder().setStringValue("tides").build()))
        .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("hi").setTemperature(0.5)
            .setRetry(RetryPolicy.newBuilder().setMaxAttempts(2)).setCache(false))
        .addNodes(NodeDefinition.newBuilder().setId("b").setPrompt("{{nodes.a.output}}").addDependsOn("a")
            .setOnFailure("continue").setStream(true).setCache(true))
        .build();

    Map<String, Object> expected = Json.parseObject("""
        {"name":"report","input":{"topic":"tides"},"timeout_seconds":60,"nodes":[
          {"id":"a","prompt":"hi","temperature":0.5,"retry":{"max_attempts":2},"cache":false},
          {"id":"b","depends_on":["a"],"prompt":"{{nodes.a.output}}","on_failure":"continue","stream":true,
           "cache":true}]}
        """.getBytes(StandardCharsets.UTF_8));
    assertEquals(expected, Definitions.document(graph));
  }

  @Test
  void unsetFields_areLeftOut_soTheyGetTheDefaults_whileAnExplicitZeroIsKept() {
    GraphDefinition graph = GraphDefinition.newBuilder()
        .addNodes(NodeDefinition.newBuilder().setId("a").setMaxTokens(0))
        .build();

    assertEquals(Map.of("nodes", List.of(Map.of("id", "a", "max_tokens", 0))), Definitions.document(graph));
  }

  @Test
  void wholeNumbersInTheInput_comeBackAsIntegers_asFromAJsonParser() {
    Struct input = Struct.newBuilder()
        .putFields("int", number(3))
        .putFields("long", number(1e12))
        .putFields("fraction", number(1.5))
        .putFields("huge", number(1e300))
        .putFields("none", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build())
        .putFields("list", Value.newBuilder().setListValue(ListValue.newBuilder().addValues(number(-2))).build())
        .build();

    Map<String, Object> tree = Structs.toJson(input, "$.input");

    assertEquals(3, tree.get("int"));
    assertEquals(1_000_000_000_000L, tree.get("long"));
    assertEquals(1.5, tree.get("fraction"));
    assertEquals(1e300, tree.get("huge"));
    assertEquals(null, tree.get("none"));
    assertEquals(List.of(-2), tree.get("list"));
  }

  @Test
  void aNumberJsonCannotCarry_isAProblemAtItsPath() {
    Struct input = Struct.newBuilder()
        .putFields("a", Value.newBuilder().setStructValue(Struct.newBuilder().putFields("b",
            Value.newBuilder().setListValue(ListValue.newBuilder().addValues(number(1)).addValues(number(Double.NaN)))
                .build())).build())
        .build();
    GraphDefinition graph = GraphDefinition.newBuilder().setInput(input).build();

    InvalidGraphException e = assertThrows(InvalidGraphException.class, () -> Definitions.document(graph));

    assertEquals(List.of(new Problem("$.input['a']['b'][1]", "must be a finite number, got NaN")), e.problems());
  }

  @Test
  void aJsonTree_becomesAStructAndBackUnchanged() {
    Map<String, Object> tree = Json.parseObject("""
        {"s":"x","n":7,"f":0.25,"t":true,"z":null,"o":{"l":[1,"two",[false]]}}
        """.getBytes(StandardCharsets.UTF_8));

    assertEquals(tree, Structs.toJson(Structs.toStruct(tree), "$"));
  }
}
