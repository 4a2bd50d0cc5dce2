package io.dago.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dago.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphDocumentsTest {

  private static Map<String, Object> json(String text) {
    return Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
  }

  private static List<Problem> problems(String document) {
    return assertThrows(InvalidGraphException.class, () -> GraphDocuments.plan(json(document), 100)).problems();
  }

  @Test
  void validDocumentBecomesARunnablePlan() {
    GraphPlan plan = GraphDocuments.plan(json("""
        {"name": "essay", "input": {"topic": "tides", "words": 300},
         "nodes": [
           {"id": "research", "prompt": "Research {{ input.topic }}."},
           {"id": "write", "depends_on": ["research"], "max_tokens": 2048,
            "prompt": "Write {{input.words}} words from: {{nodes.research.output}}"}]}"""), 100);

    assertEquals("essay", plan.spec().name());
    assertEquals(2, plan.size());
    assertEquals(2, plan.depth());
    assertEquals(2048, plan.node(1).maxTokens());
    assertEquals("Write 300 words from: notes",
        plan.prompt(1).render(plan.spec().input(), Map.of("research", "notes")::get));
  }

  @Test
  void fieldProblemsAndStructuralProblemsAreReportedTogetherInDocumentOrder() {
    List<Problem> problems = problems("""
        {"nodes": [
           {"id": "b", "prompt": "{{nodes.a.output}}", "promt": "x", "depends_on": ["ghost"]},
           {"id": "a", "prompt": "p", "max_tokens": "many", "depends_on": ["b"]},
           {"id": "c", "prompt": "p", "depends_on": ["c"]}],
         "timeout_seconds": -1}""");

    assertEquals(List.of(
        new Problem("$.timeout_seconds", "must be between 1 and 604800, got -1"),
        new Problem("$.nodes[0].depends_on[0]", "depends on unknown node 'ghost'"),
        new Problem("$.nodes[0].prompt", "'a' is not an upstream node of 'b': add it to depends_on"),
        new Problem("$.nodes[0].promt", "unknown field 'promt': did you mean 'prompt'?"),
        new Problem("$.nodes[1].max_tokens", "must be an integer, got a string"),
        new Problem("$.nodes[2].depends_on[0]", "node 'c' cannot depend on itself")), problems);
  }

  @Test
  void nodeThatIsNotAnObjectDoesNotShiftTheOthers() {
    List<Problem> problems = problems("""
        {"nodes": [42, {"id": "a", "prompt": "p", "depends_on": ["x"]}]}""");

    assertEquals(List.of(
        new Problem("$.nodes[0]", "must be an object, got a number"),
        new Problem("$.nodes[1].depends_on[0]", "depends on unknown node 'x'")), problems);
  }

  @Test
  void dependencyThatIsNotAStringDoesNotShiftTheOthers() {
    List<Problem> problems = problems("""
        {"nodes": [{"id": "a", "prompt": "p", "depends_on": [1, "x", "a"]}]}""");

    assertEquals(List.of(
        new Problem("$.nodes[0].depends_on[0]", "must be a string (a node id), got a number"),
        new Problem("$.nodes[0].depends_on[1]", "depends on unknown node 'x'"),
        new Problem("$.nodes[0].depends_on[2]", "node 'a' cannot depend on itself")), problems);
  }

  @Test
  void invalidIdIsReportedOnceAndStillResolvesReferences() {
    List<Problem> problems = problems("""
        {"nodes": [{"id": "a b", "prompt": "p"}, {"id": "c", "prompt": "p", "depends_on": ["a b"]}]}""");

    assertEquals(List.of(new Problem("$.nodes[0].id", "must be 1 to 64 letters, digits, '_' or '-', got 'a b'")),
        problems);
  }

  @Test
  void missingNodesIsReportedOnlyAsRequired() {
    assertEquals(List.of(new Problem("$.nodes", "is required")), problems("{}"));
  }

  @Test
  void emptyNodesIsReportedAsAnEmptyGraph() {
    assertEquals(List.of(new Problem("$.nodes", "the graph has no nodes; add at least one")),
        problems("{\"nodes\": []}"));
  }

  @Test
  void inputThatIsNotAnObjectIsReportedOnceNotPerReference() {
    assertEquals(List.of(new Problem("$.input", "must be an object, got a string")),
        problems("{\"input\": \"x\", \"nodes\": [{\"id\": \"a\", \"prompt\": \"{{input.a}} {{input.b}}\"}]}"));
  }

  @Test
  void singleProblemIsTheExceptionMessage() {
    InvalidGraphException e = assertThrows(InvalidGraphException.class,
        () -> GraphDocuments.plan(json("{\"nodes\": [{\"id\": \"a\"}]}"), 100));

    assertEquals("$.nodes[0].prompt: is required", e.getMessage());
  }

  @Test
  void nodeLimitComesFromTheCaller() {
    List<Problem> problems = assertThrows(InvalidGraphException.class, () -> GraphDocuments.plan(json("""
        {"nodes": [{"id": "a", "prompt": "p"}, {"id": "b", "prompt": "p"}]}"""), 1)).problems();

    assertEquals(List.of(new Problem("$.nodes", "the graph has 2 nodes; the limit is 1 (DAGO_MAX_NODES)")), problems);
  }
}
