package io.dago.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ClosestNameTest {

  @Test
  void typoOfOneLetterFindsTheName() {
    assertEquals("prompt", ClosestName.among("promt", GraphParser.NODE_FIELDS));
    assertEquals("system", ClosestName.among("sytem", GraphParser.NODE_FIELDS));
  }

  @Test
  void swappedLettersCountAsOneSlip() {
    assertEquals("name", ClosestName.among("nmae", GraphParser.GRAPH_FIELDS));
  }

  @Test
  void otherCasingOrSeparatorFindsTheName() {
    assertEquals("max_tokens", ClosestName.among("maxTokens", GraphParser.NODE_FIELDS));
    assertEquals("on_failure", ClosestName.among("on-failure", GraphParser.NODE_FIELDS));
  }

  @Test
  void cutOffNameFindsTheFullOne() {
    assertEquals("depends_on", ClosestName.among("depends", GraphParser.NODE_FIELDS));
  }

  @Test
  void unrelatedNameFindsNothing() {
    assertNull(ClosestName.among("colour", GraphParser.NODE_FIELDS));
    assertNull(ClosestName.among("x".repeat(1000), GraphParser.NODE_FIELDS));
  }
}
