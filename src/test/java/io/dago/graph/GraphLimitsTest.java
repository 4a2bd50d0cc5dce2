package io.dago.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prompts are measured in UTF-8 bytes, and one over the limit is a problem at its path, with every other problem. */
class GraphLimitsTest {
  private static final GraphLimits LIMITS = new GraphLimits(100, 1024);

  private static Map<String, Object> json(String text) {
    return Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void utf8Length_countsBytesAsUtf8EncodesThem() {
    for (String text : List.of("", "plain", "é", "€", "😀", "a€😀é", "\uD800 lone surrogate")) {
      assertEquals(text.getBytes(StandardCharsets.UTF_8).length, GraphLimits.utf8Length(text), text);
    }
  }

  @Test
  void promptFits_upToTheLimitInBytesNotCharacters() {
    assertTrue(LIMITS.promptFits("p".repeat(1024)));
    assertFalse(LIMITS.promptFits("p".repeat(1025)));
    // 342 characters, 1026 bytes.
    assertFalse(LIMITS.promptFits("€".repeat(342)));
    assertTrue(LIMITS.promptFits(null));
  }

  @Test
  void promptAndSystemOverTheLimit_areProblemsAtTheirPaths_besideOtherProblems() {
    String document = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"" + "p".repeat(1025) + "\"},"
        + "{\"id\": \"b\", \"depends_on\": [\"nope\"], \"prompt\": \"ok\", \"system\": \"" + "€".repeat(400) + "\"}]}";

    List<Problem> problems = assertThrows(InvalidGraphException.class,
        () -> GraphDocuments.plan(json(document), LIMITS)).problems();

    assertEquals(List.of(
        new Problem("$.nodes[0].prompt", "is 1025 bytes long; the limit is 1024 bytes (DAGO_MAX_PROMPT_BYTES)"),
        new Problem("$.nodes[1].depends_on[0]", "depends on unknown node 'nope'"),
        new Problem("$.nodes[1].system", "is 1200 bytes long; the limit is 1024 bytes (DAGO_MAX_PROMPT_BYTES)")),
        problems);
  }

  @Test
  void onlyANodeCount_leavesPromptsToTheBodyLimit() {
    String document = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"" + "p".repeat(2 << 20) + "\"}]}";

    assertEquals(1, GraphDocuments.plan(json(document), 100).size());
  }
}
