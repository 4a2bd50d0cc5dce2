package io.dago.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.graph.Template.InputReference;
import io.dago.graph.Template.NodeOutputReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TemplateTest {

  private static final Function<String, String> NO_OUTPUTS = id -> null;

  @Test
  void referencesListPlaceholdersInOrderWithRepeats() {
    Template template = Template.parse("{{input.topic}} then {{nodes.research.output}} and {{input.topic}}");

    assertEquals(List.of(
        new InputReference(List.of("topic")),
        new NodeOutputReference("research"),
        new InputReference(List.of("topic"))), template.references());
  }

  @Test
  void spacesInsideTheBracesAreAllowed() {
    Template template = Template.parse("About {{ input.topic }} and {{  nodes.a.output}}.");

    assertEquals(List.of(new InputReference(List.of("topic")), new NodeOutputReference("a")), template.references());
    assertEquals("About cats and meow.", template.render(Map.of("topic", "cats"), Map.of("a", "meow")::get));
  }

  @Test
  void stringInputIsInsertedAsIs() {
    String rendered = Template.parse("Write about \"{{input.topic}}\".")
        .render(Map.of("topic", "quotes \" and\nnewlines"), NO_OUTPUTS);

    assertEquals("Write about \"quotes \" and\nnewlines\".", rendered);
  }

  @Test
  void nonStringInputIsInsertedAsJson() {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("count", 3);
    input.put("ratio", 0.5);
    input.put("flag", true);
    input.put("nothing", null);
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("b", 1);
    object.put("a", List.of("x", 2));
    input.put("object", object);
    input.put("list", List.of(1, "two", false));

    String rendered = Template.parse(
        "{{input.count}}|{{input.ratio}}|{{input.flag}}|{{input.nothing}}|{{input.object}}|{{input.list}}")
        .render(input, NO_OUTPUTS);

    assertEquals("3|0.5|true|null|{\"b\":1,\"a\":[\"x\",2]}|[1,\"two\",false]", rendered);
  }

  @Test
  void nestedPathsWalkObjectsAndDigitStepsIndexLists() {
    Map<String, Object> input = Map.of(
        "user", Map.of("name", "Ada", "langs", List.of("en", "fr")),
        "rows", List.of(Map.of("v", 10), Map.of("v", 20)),
        "byYear", Map.of("2024", "leap"));

    String rendered = Template.parse(
        "{{input.user.name}} {{input.user.langs.1}} {{input.rows.1.v}} {{input.byYear.2024}}")
        .render(input, NO_OUTPUTS);

    assertEquals("Ada fr 20 leap", rendered);
  }

  @Test
  void nodeOutputsAreInsertedByNodeId() {
    Template template = Template.parse("A: {{nodes.a.output}}\nB: {{nodes.b-2.output}}");

    assertEquals("A: first\nB: second", template.render(Map.of(), Map.of("a", "first", "b-2", "second")::get));
  }

  @Test
  void textWithoutPlaceholdersRendersToItself() {
    String text = "no placeholders, { single braces } and }} closers";
    Template template = Template.parse(text);

    assertTrue(template.references().isEmpty());
    assertSame(text, template.render(Map.of(), NO_OUTPUTS));
  }

  @Test
  void placeholderAtTheVeryStartAndEndLeavesEmptyLiterals() {
    assertEquals("xy", Template.parse("{{input.a}}{{input.b}}").render(Map.of("a", "x", "b", "y"), NO_OUTPUTS));
  }

  @Test
  void braceRightAfterAPlaceholderIsLiteral() {
    assertEquals("x}", Template.parse("{{input.a}}}").render(Map.of("a", "x"), NO_OUTPUTS));
  }

  @Test
  void tripleOpeningBraceStartsAPlaceholderThatDoesNotParse() {
    TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class, () -> Template.parse("{{{input.a}}}"));

    assertTrue(e.getMessage().startsWith("unknown placeholder '{{{input.a}}' at character 1"), e.getMessage());
  }

  @Test
  void unterminatedPlaceholderReportsWhereItStarts() {
    TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class,
        () -> Template.parse("Summarise: {{input.topic"));

    assertEquals("unterminated placeholder starting at character 12", e.getMessage());
    assertEquals(12, e.position());
  }

  @Test
  void placeholderOpenedBeforeTheLastOneClosedIsUnterminated() {
    TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class,
        () -> Template.parse("{{input.a {{input.b}}"));

    assertEquals("unterminated placeholder starting at character 1", e.getMessage());
  }

  @Test
  void unknownPlaceholderIsQuotedWithTheSyntaxThatWorks() {
    TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class, () -> Template.parse("Hi {{foo}}!"));

    assertEquals("unknown placeholder '{{foo}}' at character 4: use {{input.KEY}} or {{nodes.ID.output}}",
        e.getMessage());
    assertEquals(4, e.position());
  }

  @Test
  void emptyPlaceholderIsUnknown() {
    TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class, () -> Template.parse("{{ }}"));

    assertEquals("unknown placeholder '{{ }}' at character 1: use {{input.KEY}} or {{nodes.ID.output}}",
        e.getMessage());
  }

  @Test
  void inputPlaceholderNeedsNonEmptyKeys() {
    for (String text : List.of("{{input}}", "{{input.}}", "{{input..a}}", "{{input.a b}}")) {
      TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class, () -> Template.parse(text), text);
      assertEquals("malformed placeholder '" + text + "' at character 1: use {{input.KEY}}, with nested keys joined"
          + " by '.'", e.getMessage());
    }
  }

  @Test
  void nodePlaceholderMustEndInOutput() {
    for (String text : List.of("{{nodes.a}}", "{{nodes.a.result}}", "{{nodes..output}}", "{{nodes.a.output.x}}")) {
      TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class, () -> Template.parse("x " + text));
      assertEquals("malformed placeholder '" + text + "' at character 3: use {{nodes.ID.output}}", e.getMessage());
    }
  }

  @Test
  void positionCountsCharactersNotUtf16Units() {
    TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class, () -> Template.parse("\uD83D\uDE00 {{x}}"));

    assertEquals(3, e.position());
  }

  @Test
  void longBadPlaceholderIsShortenedInTheMessage() {
    String body = "x".repeat(500);
    TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class,
        () -> Template.parse("{{" + body + "}}"));

    assertTrue(e.getMessage().startsWith("unknown placeholder '{{" + "x".repeat(60) + "...}}' at character 1"),
        e.getMessage());
  }

  @Test
  void renderingAMissingInputPathFails() {
    Template template = Template.parse("{{input.a.b}}");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> template.render(Map.of("a", Map.of()), NO_OUTPUTS));
    assertEquals("the graph input has no value at a.b", e.getMessage());
  }

  @Test
  void renderingPastTheEndOfAListFails() {
    Template template = Template.parse("{{input.items.2}}");

    assertThrows(IllegalArgumentException.class, () -> template.render(Map.of("items", List.of(1, 2)), NO_OUTPUTS));
  }

  @Test
  void renderingWithoutAReferencedNodeOutputFails() {
    Template template = Template.parse("{{nodes.a.output}}");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> template.render(Map.of(), NO_OUTPUTS));
    assertEquals("node 'a' has no output to insert", e.getMessage());
  }

  @Test
  void manyPlaceholdersRenderInPlace() {
    StringBuilder text = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      text.append("<").append(i).append(":{{nodes.n").append(i).append(".output}}>");
      expected.append("<").append(i).append(":out").append(i).append(">");
      ids.add("n" + i);
    }
    Template template = Template.parse(text.toString());

    assertEquals(200, template.references().size());
    assertEquals(expected.toString(), template.render(Map.of(), id -> "out" + id.substring(1)));
    assertEquals(ids, template.references().stream()
        .map(r -> ((NodeOutputReference) r).nodeId()).toList());
  }
}
