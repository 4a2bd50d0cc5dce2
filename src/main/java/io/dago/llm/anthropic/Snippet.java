package io.dago.llm.anthropic;

import java.nio.charset.StandardCharsets;

/** The start of a body we could not understand, short enough to put in an error message. */
final class Snippet {
  static final int MAX_CHARS = 200;

  private Snippet() {}

  static String of(byte[] body) {
    if (body.length == 0) {
      return "(empty)";
    }
    String text = new String(body, 0, Math.min(body.length, MAX_CHARS * 4), StandardCharsets.UTF_8).strip();
    return text.length() <= MAX_CHARS ? text : text.substring(0, MAX_CHARS) + "...";
  }
}
