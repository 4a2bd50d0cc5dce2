package io.dago.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphParserTest {

  private static Map<String, Object> json(String text) {
    return Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A document with one node, whose fields are spliced in after a valid id and prompt. */
  private static ParsedGraph oneNode(String nodeFields) {
    return GraphParser.parse(json("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"" + nodeFields + "}]}"));
  }

  /** A document with one valid node, whose graph-level fields are spliced in before {@code nodes}. */
  private static ParsedGraph withGraphFields(String graphFields) {
    return GraphParser.parse(json("{" + graphFields + ", \"nodes\": [{\"id\": \"a\", \"prompt\": \"p\"}]}"));
  }

  private static void assertOneProblem(ParsedGraph parsed, String path, String message) {
    assertEquals(List.of(new Problem(path, message)), parsed.problems());
  }

  @Test
  void appliesEveryDefault() {
    ParsedGraph parsed = GraphParser.parse(json("""
        {"nodes": [{"id": "a", "prompt": "hi"}]}"""));

    assertEquals(List.of(), parsed.problems());
    GraphSpec spec = parsed.spec();
    assertNull(spec.name());
    assertEquals(Map.of(), spec.input());
    assertNull(spec.timeoutSeconds());
    NodeSpec node = spec.nodes().get(0);
    assertEquals(new NodeSpec("a", "llm", List.of(), "hi", null, null, 1024, null, 300,
        new RetrySpec(3, 1000, 30000), OnFailure.FAIL_GRAPH, false, false), node);
  }

  @Test
  void readsEveryField() {
    ParsedGraph parsed = GraphParser.parse(json("""
        {
          "name": "report",
          "input": {"topic": "owls"},
          "timeout_seconds": 600,
          "nodes": [
            {"id": "a", "prompt": "research {{input.topic}}"},
            {"id": "b", "type": "llm", "depends_on": ["a"], "prompt": "sum {{nodes.a.output}}", "system": "be brief",
             "model": "claude-x", "max_tokens": 200, "temperature": 0.2, "timeout_seconds": 30,
             "retry": {"max_attempts": 5, "initial_backoff_ms": 10, "max_backoff_ms": 100}, "on_failure": "continue",
             "stream": true, "cache": true}
          ]
        }"""));

    assertEquals(List.of(), parsed.problems());
    GraphSpec spec = parsed.spec();
    assertEquals("report", spec.name());
    assertEquals(Map.of("topic", "owls"), spec.input());
    assertEquals(600, spec.timeoutSeconds());
    assertEquals(new NodeSpec("b", "llm", List.of("a"), "sum {{nodes.a.output}}", "be brief", "claude-x", 200, 0.2,
        30, new RetrySpec(5, 10, 100), OnFailure.CONTINUE, true, true), spec.nodes().get(1));
  }

  @Test
  void nullForAnOptionalFieldMeansAbsent() {
    ParsedGraph parsed = GraphParser.parse(json("""
        {"name": null, "input": null, "timeout_seconds": null,
         "nodes": [{"id": "a", "prompt": "hi", "type": null, "depends_on": null, "system": null, "model": null,
                    "max_tokens": null, "temperature": null, "timeout_seconds": null, "retry": null,
                    "on_failure": null, "stream": null, "cache": null}]}"""));

    assertEquals(List.of(), parsed.problems());
    assertEquals(new NodeSpec("a", "llm", List.of(), "hi", null, null, 1024, null, 300, RetrySpec.DEFAULT,
        OnFailure.FAIL_GRAPH, false, false), parsed.spec().nodes().get(0));
  }

  @Test
  void integralNumberWrittenWithAFractionIsAnInteger() {
    ParsedGraph parsed = oneNode(", \"max_tokens\": 2.0, \"timeout_seconds\": 1e2");

    assertEquals(List.of(), parsed.problems());
    assertEquals(2, parsed.spec().nodes().get(0).maxTokens());
    assertEquals(100, parsed.spec().nodes().get(0).timeoutSeconds());
  }

  @Test
  void fractionalNumberIsNotAnInteger() {
    assertOneProblem(oneNode(", \"max_tokens\": 2.5"), "$.nodes[0].max_tokens", "must be an integer, got 2.5");
  }

  @Test
  void integerFieldRejectsOtherTypes() {
    assertOneProblem(oneNode(", \"max_tokens\": \"100\""), "$.nodes[0].max_tokens",
        "must be an integer, got a string");
    assertOneProblem(oneNode(", \"timeout_seconds\": true"), "$.nodes[0].timeout_seconds",
        "must be an integer, got a boolean");
  }

  @Test
  void integerFieldsAreRangeChecked() {
    assertOneProblem(oneNode(", \"max_tokens\": 0"), "$.nodes[0].max_tokens", "must be between 1 and 200000, got 0");
    assertOneProblem(oneNode(", \"max_tokens\": 200001"), "$.nodes[0].max_tokens",
        "must be between 1 and 200000, got 200001");
    assertOneProblem(oneNode(", \"timeout_seconds\": 86401"), "$.nodes[0].timeout_seconds",
        "must be between 1 and 86400, got 86401");
    assertOneProblem(oneNode(", \"max_tokens\": 123456789012345678901234567890"), "$.nodes[0].max_tokens",
        "must be between 1 and 200000, got 123456789012345678901234567890");
    assertOneProblem(withGraphFields("\"timeout_seconds\": 604801"),
        "$.timeout_seconds", "must be between 1 and 604800, got 604801");
  }

  @Test
  void temperatureMustBeANumberFromZeroToOne() {
    assertEquals(0.0, oneNode(", \"temperature\": 0").spec().nodes().get(0).temperature());
    assertEquals(1.0, oneNode(", \"temperature\": 1").spec().nodes().get(0).temperature());
    assertOneProblem(oneNode(", \"temperature\": 1.5"), "$.nodes[0].temperature", "must be between 0 and 1, got 1.5");
    assertOneProblem(oneNode(", \"temperature\": -0.1"), "$.nodes[0].temperature",
        "must be between 0 and 1, got -0.1");
    assertOneProblem(oneNode(", \"temperature\": \"hot\""), "$.nodes[0].temperature",
        "must be a number, got a string");
  }

  @Test
  void streamIsOffUnlessSetToTrue() {
    assertEquals(false, oneNode("").spec().nodes().get(0).stream());
    assertEquals(true, oneNode(", \"stream\": true").spec().nodes().get(0).stream());
    assertOneProblem(oneNode(", \"stream\": \"yes\""), "$.nodes[0].stream", "must be true or false, got a string");
  }

  @Test
  void cacheIsOffUnlessSetToTrue() {
    assertEquals(false, oneNode("").spec().nodes().get(0).cache());
    assertEquals(false, oneNode(", \"cache\": false").spec().nodes().get(0).cache());
    assertEquals(true, oneNode(", \"cache\": true").spec().nodes().get(0).cache());
    assertOneProblem(oneNode(", \"cache\": \"yes\""), "$.nodes[0].cache", "must be true or false, got a string");
    assertOneProblem(oneNode(", \"cache\": 1"), "$.nodes[0].cache", "must be true or false, got a number");
  }

  @Test
  void cacheProblemIsReportedAtTheNodesOwnIndex() {
    ParsedGraph parsed = GraphParser.parse(json("""
        {"nodes": [{"id": "a", "prompt": "p"}, {"id": "b", "prompt": "p"},
                   {"id": "c", "prompt": "p", "cache": {}}]}"""));

    assertOneProblem(parsed, "$.nodes[2].cache", "must be true or false, got an object");
  }

  @Test
  void stringFieldsRejectOtherTypes() {
    assertOneProblem(oneNode(", \"system\": 5"), "$.nodes[0].system", "must be a string, got a number");
    assertOneProblem(oneNode(", \"model\": [\"m\"]"), "$.nodes[0].model", "must be a string, got an array");
    assertOneProblem(withGraphFields("\"name\": {}"),
        "$.name", "must be a string, got an object");
  }

  @Test
  void nameIsLimitedTo200Characters() {
    String ok = "n".repeat(200);
    assertEquals(ok, withGraphFields("\"name\": \"" + ok + "\"")
        .spec().name());
    assertOneProblem(withGraphFields("\"name\": \"" + ok + "x\""),
        "$.name", "must be at most 200 characters, got 201");
  }

  @Test
  void inputMustBeAnObject() {
    ParsedGraph parsed = withGraphFields("\"input\": [1]");

    assertOneProblem(parsed, "$.input", "must be an object, got an array");
    assertFalse(parsed.inputReadable());
  }

  @Test
  void nodesAreRequired() {
    ParsedGraph parsed = GraphParser.parse(json("{\"name\": \"x\"}"));

    assertOneProblem(parsed, "$.nodes", "is required");
    assertFalse(parsed.nodesReadable());
  }

  @Test
  void nodesMustBeAnArray() {
    assertOneProblem(GraphParser.parse(json("{\"nodes\": {\"id\": \"a\"}}")), "$.nodes",
        "must be an array, got an object");
  }

  @Test
  void nodeThatIsNotAnObjectKeepsItsPlaceSoLaterPathsStayRight() {
    ParsedGraph parsed = GraphParser.parse(json("{\"nodes\": [\"a\", {\"id\": \"b\", \"prompt\": 7}]}"));

    assertEquals(List.of(
        new Problem("$.nodes[0]", "must be an object, got a string"),
        new Problem("$.nodes[1].prompt", "must be a string, got a number")), parsed.problems());
    assertEquals(2, parsed.spec().nodes().size());
    assertNull(parsed.spec().nodes().get(0).id());
    assertEquals("b", parsed.spec().nodes().get(1).id());
  }

  @Test
  void idAndPromptAreRequired() {
    ParsedGraph parsed = GraphParser.parse(json("{\"nodes\": [{}]}"));

    assertEquals(List.of(
        new Problem("$.nodes[0].id", "is required"),
        new Problem("$.nodes[0].prompt", "is required")), parsed.problems());
  }

  @Test
  void idMustBeShortAndPlain() {
    assertOneProblem(GraphParser.parse(json("{\"nodes\": [{\"id\": \"a b\", \"prompt\": \"p\"}]}")), "$.nodes[0].id",
        "must be 1 to 64 letters, digits, '_' or '-', got 'a b'");
    assertOneProblem(GraphParser.parse(json("{\"nodes\": [{\"id\": \"\", \"prompt\": \"p\"}]}")), "$.nodes[0].id",
        "must be 1 to 64 letters, digits, '_' or '-', got ''");
    String longest = "A-_9".repeat(16);
    assertEquals(List.of(), GraphParser.parse(json("{\"nodes\": [{\"id\": \"" + longest + "\", \"prompt\": \"p\"}]}"))
        .problems());
    assertEquals(1, GraphParser.parse(json("{\"nodes\": [{\"id\": \"" + longest + "x\", \"prompt\": \"p\"}]}"))
        .problems().size());
  }

  @Test
  void promptMustNotBeEmpty() {
    assertOneProblem(GraphParser.parse(json("{\"nodes\": [{\"id\": \"a\", \"prompt\": \"\"}]}")), "$.nodes[0].prompt",
        "must not be empty");
  }

  @Test
  void modelMustNotBeEmpty() {
    assertOneProblem(oneNode(", \"model\": \"\""), "$.nodes[0].model",
        "must not be empty; leave it out to use the default model");
  }

  @Test
  void llmIsTheOnlyNodeType() {
    assertOneProblem(oneNode(", \"type\": \"tool\""), "$.nodes[0].type",
        "unknown node type 'tool': the only type is 'llm'");
  }

  @Test
  void dependsOnMustBeAnArrayOfStrings() {
    assertOneProblem(oneNode(", \"depends_on\": \"b\""), "$.nodes[0].depends_on", "must be an array, got a string");

    ParsedGraph parsed = oneNode(", \"depends_on\": [\"b\", 3, \"c\"]");
    assertOneProblem(parsed, "$.nodes[0].depends_on[1]", "must be a string (a node id), got a number");
    assertEquals(List.of("b", "c"), parsed.spec().nodes().get(0).dependsOn());
    assertEquals(2, parsed.dependsOnPosition(0, 1));
  }

  @Test
  void onFailureIsFailGraphOrContinue() {
    assertEquals(OnFailure.FAIL_GRAPH, oneNode(", \"on_failure\": \"fail_graph\"").spec().nodes().get(0).onFailure());
    assertOneProblem(oneNode(", \"on_failure\": \"stop\""), "$.nodes[0].on_failure",
        "must be 'fail_graph' or 'continue', got 'stop'");
  }

  @Test
  void retryFieldsAreRangeChecked() {
    ParsedGraph parsed = oneNode(
        ", \"retry\": {\"max_attempts\": 0, \"initial_backoff_ms\": -1, \"max_backoff_ms\": 3600001}");

    assertEquals(List.of(
        new Problem("$.nodes[0].retry.max_attempts", "must be between 1 and 100, got 0"),
        new Problem("$.nodes[0].retry.initial_backoff_ms", "must be between 0 and 3600000, got -1"),
        new Problem("$.nodes[0].retry.max_backoff_ms", "must be between 0 and 3600000, got 3600001")),
        parsed.problems());
  }

  @Test
  void retryMaxBackoffMustNotBeBelowTheInitial() {
    assertOneProblem(oneNode(", \"retry\": {\"initial_backoff_ms\": 5000, \"max_backoff_ms\": 1000}"),
        "$.nodes[0].retry.max_backoff_ms", "must be at least initial_backoff_ms (5000), got 1000");
  }

  @Test
  void retryDefaultBoundGivesWayToTheOneWritten() {
    assertEquals(new RetrySpec(3, 60_000, 60_000),
        oneNode(", \"retry\": {\"initial_backoff_ms\": 60000}").spec().nodes().get(0).retry());
    assertEquals(new RetrySpec(3, 500, 500),
        oneNode(", \"retry\": {\"max_backoff_ms\": 500}").spec().nodes().get(0).retry());
    assertEquals(new RetrySpec(7, 1000, 30000),
        oneNode(", \"retry\": {\"max_attempts\": 7}").spec().nodes().get(0).retry());
  }

  @Test
  void retryMustBeAnObject() {
    assertOneProblem(oneNode(", \"retry\": 3"), "$.nodes[0].retry", "must be an object, got a number");
  }

  @Test
  void unknownFieldsAreReportedWithTheClosestKnownName() {
    ParsedGraph parsed = GraphParser.parse(json("""
        {"nmae": "x", "nodes": [{"id": "a", "promt": "hi", "prompt": "hi", "dependsOn": [], "timeout": 3,
          "cahce": true, "retry": {"max_atempts": 2}}]}"""));

    assertEquals(List.of(
        new Problem("$.nmae", "unknown field 'nmae': did you mean 'name'?"),
        new Problem("$.nodes[0].promt", "unknown field 'promt': did you mean 'prompt'?"),
        new Problem("$.nodes[0].dependsOn", "unknown field 'dependsOn': did you mean 'depends_on'?"),
        new Problem("$.nodes[0].timeout", "unknown field 'timeout': did you mean 'timeout_seconds'?"),
        new Problem("$.nodes[0].cahce", "unknown field 'cahce': did you mean 'cache'?"),
        new Problem("$.nodes[0].retry.max_atempts", "unknown field 'max_atempts': did you mean 'max_attempts'?")),
        parsed.problems());
  }

  @Test
  void unknownFieldWithNothingCloseListsTheKnownOnes() {
    assertOneProblem(oneNode(", \"colour\": \"red\""), "$.nodes[0].colour",
        "unknown field 'colour'; the known fields here are id, type, depends_on, prompt, system, model, max_tokens,"
            + " temperature, timeout_seconds, retry, on_failure, stream, cache");
  }

  @Test
  void fieldNameThatIsNotAnIdentifierIsQuotedInThePath() {
    assertOneProblem(oneNode(", \"my field\": 1"), "$.nodes[0]['my field']",
        "unknown field 'my field'; the known fields here are id, type, depends_on, prompt, system, model,"
            + " max_tokens, temperature, timeout_seconds, retry, on_failure, stream, cache");
  }

  @Test
  void everyProblemIsCollectedNotJustTheFirst() {
    ParsedGraph parsed = GraphParser.parse(json("""
        {"timeout_seconds": 0, "extra": 1, "nodes": [
          {"id": "a", "prompt": 1, "max_tokens": -5},
          {"id": "b b", "prompt": "ok", "on_failure": "x"}]}"""));

    assertEquals(6, parsed.problems().size(), parsed.problems().toString());
    assertTrue(parsed.problems().contains(new Problem("$.extra", "unknown field 'extra'; the known fields here are"
        + " name, input, timeout_seconds, nodes")));
    assertTrue(parsed.problems().contains(new Problem("$.nodes[1].on_failure",
        "must be 'fail_graph' or 'continue', got 'x'")));
    assertEquals(2, parsed.spec().nodes().size());
  }
}
