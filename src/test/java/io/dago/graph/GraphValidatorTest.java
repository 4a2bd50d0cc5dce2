package io.dago.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphValidatorTest {

  private final GraphValidator validator = new GraphValidator(10_000);

  private static NodeSpec node(String id, String prompt, String... dependsOn) {
    return withSystem(id, prompt, null, dependsOn);
  }

  private static NodeSpec withSystem(String id, String prompt, String system, String... dependsOn) {
    return new NodeSpec(id, NodeSpec.TYPE_LLM, List.of(dependsOn), prompt, system, null, NodeSpec.DEFAULT_MAX_TOKENS,
        null, NodeSpec.DEFAULT_TIMEOUT_SECONDS, RetrySpec.DEFAULT, OnFailure.FAIL_GRAPH, false, false);
  }

  private static GraphSpec graph(NodeSpec... nodes) {
    return graph(Map.of(), nodes);
  }

  private static GraphSpec graph(Map<String, Object> input, NodeSpec... nodes) {
    return new GraphSpec(null, input, null, List.of(nodes));
  }

  private List<Problem> problems(GraphSpec spec) {
    return assertThrows(InvalidGraphException.class, () -> validator.validate(spec)).problems();
  }

  @Test
  void validGraphBecomesAPlanWithIndexesAndCompiledTemplates() {
    GraphPlan plan = validator.validate(graph(Map.of("topic", "owls"),
        node("research", "about {{input.topic}}"),
        node("outline", "outline {{nodes.research.output}}", "research"),
        withSystem("draft", "draft {{nodes.outline.output}}", "you write", "outline", "research"),
        node("aside", "independent")));

    assertEquals(4, plan.size());
    assertEquals(2, plan.indexOf("draft"));
    assertEquals(-1, plan.indexOf("missing"));
    assertArrayEquals(new int[] {1, 0}, plan.parents(2));
    assertArrayEquals(new int[] {1, 2}, plan.children(0));
    assertArrayEquals(new int[] {0, 3}, plan.roots());
    assertEquals(3, plan.depth());
    assertEquals("about owls", plan.prompt(0).render(plan.spec().input(), id -> null));
    assertEquals("you write", plan.system(2).render(Map.of(), id -> null));
    assertNull(plan.system(0));
  }

  @Test
  void depthCountsNodesOnTheLongestPathNotTheShortest() {
    GraphPlan plan = validator.validate(graph(
        node("a", "p"),
        node("b", "p", "a"),
        node("c", "p", "b"),
        node("d", "p", "c"),
        node("end", "p", "a", "d")));

    assertEquals(5, plan.depth());
  }

  @Test
  void singleNodeHasDepthOne() {
    assertEquals(1, validator.validate(graph(node("only", "p"))).depth());
  }

  @Test
  void duplicateIdNamesTheFirstOccurrence() {
    assertEquals(List.of(new Problem("$.nodes[2].id", "duplicate node id 'a' (also at $.nodes[0])")),
        problems(graph(node("a", "p"), node("b", "p"), node("a", "p"))));
  }

  @Test
  void dependencyOnAnUnknownNodeIsReported() {
    assertEquals(List.of(new Problem("$.nodes[1].depends_on[1]", "depends on unknown node 'ghost'")),
        problems(graph(node("a", "p"), node("b", "p", "a", "ghost"))));
  }

  @Test
  void dependencyOnItselfIsReported() {
    assertEquals(List.of(new Problem("$.nodes[0].depends_on[0]", "node 'a' cannot depend on itself")),
        problems(graph(node("a", "p", "a"))));
  }

  @Test
  void dependencyListedTwiceIsReported() {
    assertEquals(List.of(
        new Problem("$.nodes[2].depends_on[2]", "'a' is listed twice (also at $.nodes[2].depends_on[0])")),
        problems(graph(node("a", "p"), node("x", "p"), node("b", "p", "a", "x", "a"))));
  }

  @Test
  void cycleIsNamedInDataFlowOrderFromItsFirstNode() {
    List<Problem> problems = problems(graph(node("a", "p", "c"), node("b", "p", "a"), node("c", "p", "b")));

    assertEquals(List.of(new Problem("$.nodes[0].depends_on[0]", "cycle: a -> b -> c -> a")), problems);
  }

  @Test
  void twoNodeCycleAndItsDownstreamNodes() {
    List<Problem> problems = problems(graph(
        node("root", "p"),
        node("x", "p", "root", "y"),
        node("y", "p", "x"),
        node("after", "p", "y")));

    assertEquals(List.of(new Problem("$.nodes[1].depends_on[1]", "cycle: x -> y -> x")), problems);
  }

  @Test
  void eachDistinctCycleIsReportedOnce() {
    List<Problem> problems = problems(graph(
        node("a", "p", "b"), node("b", "p", "a"),
        node("c", "p", "d"), node("d", "p", "e"), node("e", "p", "c")));

    assertEquals(List.of(
        new Problem("$.nodes[0].depends_on[0]", "cycle: a -> b -> a"),
        new Problem("$.nodes[2].depends_on[0]", "cycle: c -> e -> d -> c")), problems);
  }

  @Test
  void veryLongCycleIsAbbreviated() {
    int n = 50;
    NodeSpec[] nodes = new NodeSpec[n];
    for (int i = 0; i < n; i++) {
      nodes[i] = node("n" + i, "p", "n" + ((i + n - 1) % n));
    }

    List<Problem> problems = problems(graph(nodes));

    assertEquals(1, problems.size());
    assertEquals("cycle: n0 -> n1 -> n2 -> n3 -> n4 -> n5 -> n6 -> n7 -> n8 -> n9 -> ... (35 more) -> n45 -> n46"
        + " -> n47 -> n48 -> n49 -> n0", problems.get(0).message());
  }

  @Test
  void manyCyclesAreCappedWithACount() {
    List<NodeSpec> nodes = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      nodes.add(node("a" + i, "p", "b" + i));
      nodes.add(node("b" + i, "p", "a" + i));
    }

    List<Problem> problems = problems(new GraphSpec(null, Map.of(), null, nodes));

    assertEquals(11, problems.size());
    assertTrue(problems.contains(new Problem("$.nodes", "5 more cycles not listed")), problems.toString());
  }

  @Test
  void templateThatDoesNotParseIsReportedForPromptAndSystem() {
    List<Problem> problems = problems(graph(withSystem("a", "hi {{input.x", "be {{oops}}")));

    assertEquals(List.of(
        new Problem("$.nodes[0].prompt", "unterminated placeholder starting at character 4"),
        new Problem("$.nodes[0].system",
            "unknown placeholder '{{oops}}' at character 4: use {{input.KEY}} or {{nodes.ID.output}}")), problems);
  }

  @Test
  void referenceToANodeThatIsNotUpstreamAsksForADependency() {
    List<Problem> problems = problems(graph(node("a", "p"), node("b", "p"),
        node("final", "{{nodes.a.output}} {{nodes.b.output}}", "a")));

    assertEquals(List.of(
        new Problem("$.nodes[2].prompt", "'b' is not an upstream node of 'final': add it to depends_on")), problems);
  }

  @Test
  void referenceToADownstreamNodeIsNotUpstream() {
    List<Problem> problems = problems(graph(node("a", "uses {{nodes.b.output}}"), node("b", "p", "a")));

    assertEquals(List.of(
        new Problem("$.nodes[0].prompt", "'b' is not an upstream node of 'a': add it to depends_on")), problems);
  }

  @Test
  void referenceThroughATransitivePathIsAllowed() {
    GraphPlan plan = validator.validate(graph(
        node("a", "p"),
        node("b", "p", "a"),
        node("side", "p"),
        node("c", "p", "b", "side"),
        withSystem("d", "{{nodes.a.output}} and {{nodes.side.output}}", "{{nodes.b.output}}", "c")));

    assertEquals(4, plan.depth());
  }

  @Test
  void referenceToAnUnknownNodeIsReported() {
    assertEquals(List.of(new Problem("$.nodes[0].system", "{{nodes.ghost.output}} refers to unknown node 'ghost'")),
        problems(graph(withSystem("a", "p", "{{nodes.ghost.output}}"))));
  }

  @Test
  void referenceToItsOwnOutputIsReported() {
    assertEquals(List.of(new Problem("$.nodes[0].prompt", "node 'a' cannot use its own output")),
        problems(graph(node("a", "{{nodes.a.output}}"))));
  }

  @Test
  void repeatedBadReferenceIsReportedOncePerField() {
    assertEquals(1, problems(graph(node("a", "p"), node("b", "{{nodes.a.output}} {{nodes.a.output}}"))).size());
  }

  @Test
  void inputPathsMustExistInTheInput() {
    Map<String, Object> input = Map.of("user", Map.of("name", "Ada"), "items", List.of("x", "y"));
    validator.validate(graph(input, node("ok", "{{input.user.name}} {{input.items.1}} {{input.user}}")));

    List<Problem> problems = problems(graph(input,
        node("bad", "{{input.user.age}} {{input.items.2}} {{input.topic}} {{input.user.name.first}}")));

    assertEquals(List.of(
        new Problem("$.nodes[0].prompt",
            "{{input.user.age}} refers to 'user.age', which the graph input does not have"),
        new Problem("$.nodes[0].prompt", "{{input.items.2}} refers to 'items.2', which the graph input does not have"),
        new Problem("$.nodes[0].prompt", "{{input.topic}} refers to 'topic', which the graph input does not have"),
        new Problem("$.nodes[0].prompt",
            "{{input.user.name.first}} refers to 'user.name.first', which the graph input does not have")), problems);
  }

  @Test
  void inputValueThatIsNullStillExists() {
    Map<String, Object> input = new HashMap<>();
    input.put("maybe", null);

    assertEquals(1, validator.validate(graph(input, node("a", "{{input.maybe}}"))).size());
  }

  @Test
  void emptyGraphIsReported() {
    assertEquals(List.of(new Problem("$.nodes", "the graph has no nodes; add at least one")), problems(graph()));
  }

  @Test
  void graphOverTheNodeLimitIsReportedWithTheSetting() {
    GraphValidator small = new GraphValidator(3);
    NodeSpec[] nodes = new NodeSpec[4];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = node("n" + i, "p");
    }

    InvalidGraphException e = assertThrows(InvalidGraphException.class, () -> small.validate(graph(nodes)));

    assertEquals(List.of(new Problem("$.nodes", "the graph has 4 nodes; the limit is 3 (DAGO_MAX_NODES)")),
        e.problems());
    assertEquals(3, small.validate(graph(nodes[0], nodes[1], nodes[2])).size());
  }

  @Test
  void everyKindOfProblemIsReportedTogether() {
    List<Problem> problems = problems(graph(
        node("a", "p", "c"),
        node("b", "{{nodes.zz.output}}", "nope"),
        node("c", "p", "a"),
        node("b", "{{input.missing}}")));

    assertEquals(List.of(
        new Problem("$.nodes[0].depends_on[0]", "cycle: a -> c -> a"),
        new Problem("$.nodes[1].depends_on[0]", "depends on unknown node 'nope'"),
        new Problem("$.nodes[1].prompt", "{{nodes.zz.output}} refers to unknown node 'zz'"),
        new Problem("$.nodes[3].id", "duplicate node id 'b' (also at $.nodes[1])"),
        new Problem("$.nodes[3].prompt", "{{input.missing}} refers to 'missing', which the graph input does not have")),
        problems);
  }

  @Test
  void chainOfAHundredThousandNodesValidatesWithoutRecursion() {
    int n = 100_000;
    List<NodeSpec> nodes = new ArrayList<>(n);
    nodes.add(node("n0", "start"));
    for (int i = 1; i < n; i++) {
      nodes.add(node("n" + i, "continue {{nodes.n" + (i - 1) + ".output}} for {{nodes.n0.output}}", "n" + (i - 1)));
    }

    GraphPlan plan = assertTimeoutPreemptively(Duration.ofSeconds(60),
        () -> new GraphValidator(n).validate(new GraphSpec(null, Map.of(), null, nodes)));

    assertEquals(n, plan.size());
    assertEquals(n, plan.depth());
    assertArrayEquals(new int[] {0}, plan.roots());
  }

  @Test
  void cycleThroughAHundredThousandNodesIsFoundWithoutRecursion() {
    int n = 100_000;
    List<NodeSpec> nodes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      nodes.add(node("n" + i, "p", "n" + ((i + n - 1) % n)));
    }

    InvalidGraphException e = assertThrows(InvalidGraphException.class,
        () -> new GraphValidator(n).validate(new GraphSpec(null, Map.of(), null, nodes)));

    assertEquals(1, e.problems().size());
    assertTrue(e.problems().get(0).message().contains("(99985 more)"), e.problems().get(0).message());
  }

  @Test
  void nodeReadFromAfarByManyIsStillCheckedPerReader() {
    List<NodeSpec> nodes = new ArrayList<>();
    nodes.add(node("brief", "p"));
    nodes.add(node("s1", "p", "brief"));
    for (int i = 2; i <= 10; i++) {
      nodes.add(node("s" + i, "{{nodes.brief.output}}", "s" + (i - 1)));
    }
    nodes.add(node("loose", "{{nodes.brief.output}}"));
    nodes.add(node("late", "{{nodes.brief.output}}", "loose"));

    List<Problem> problems = problems(new GraphSpec(null, Map.of(), null, nodes));

    assertEquals(List.of(
        new Problem("$.nodes[11].prompt", "'brief' is not an upstream node of 'loose': add it to depends_on"),
        new Problem("$.nodes[12].prompt", "'brief' is not an upstream node of 'late': add it to depends_on")),
        problems);
  }

  @Test
  void nodeOnACycleReadFromAfarByManyIsReportedOnlyAsTheCycle() {
    List<NodeSpec> nodes = new ArrayList<>();
    nodes.add(node("a", "p", "b"));
    nodes.add(node("b", "p", "a"));
    nodes.add(node("c1", "{{nodes.a.output}}", "b"));
    for (int i = 2; i <= 6; i++) {
      nodes.add(node("c" + i, "{{nodes.a.output}}", "c" + (i - 1)));
    }

    assertEquals(List.of(new Problem("$.nodes[0].depends_on[0]", "cycle: a -> b -> a")),
        problems(new GraphSpec(null, Map.of(), null, nodes)));
  }

  @Test
  void wideFanInWhereEveryNodeReadsADistantAncestorStaysFast() {
    // root -> m0..m999 -> join; every mid node's child reads root, two levels up.
    List<NodeSpec> nodes = new ArrayList<>();
    nodes.add(node("root", "p"));
    List<String> mids = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      nodes.add(node("m" + i, "p", "root"));
      nodes.add(node("leaf" + i, "{{nodes.root.output}}", "m" + i));
      mids.add("m" + i);
    }
    nodes.add(node("join", "{{nodes.root.output}}", mids.toArray(String[]::new)));

    GraphPlan plan = assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> validator.validate(new GraphSpec(null, Map.of(), null, nodes)));

    assertEquals(3, plan.depth());
  }
}
