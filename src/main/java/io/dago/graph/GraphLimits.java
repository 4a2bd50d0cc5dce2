package io.dago.graph;

/**
 * The bounds a graph document is validated against; submitting and validating use the same ones, so that a graph
 * that validates is one that would be accepted.
 *
 * @param maxNodes the most nodes a graph may have ({@code DAGO_MAX_NODES})
 * @param maxPromptBytes the largest prompt or system prompt of a node in UTF-8 bytes, as written in the document
 *     and again once rendered ({@code DAGO_MAX_PROMPT_BYTES})
 */
public record GraphLimits(int maxNodes, int maxPromptBytes) {
  /** What a prompt may weigh when only the node count is given: large enough never to matter before the body limit. */
  public static final int NO_PROMPT_LIMIT = Integer.MAX_VALUE;

  public GraphLimits {
    if (maxNodes < 1) {
      throw new IllegalArgumentException("maxNodes must be at least 1, got " + maxNodes);
    }
    if (maxPromptBytes < 1) {
      throw new IllegalArgumentException("maxPromptBytes must be at least 1, got " + maxPromptBytes);
    }
  }

  /** Only a node count; prompts are bounded by the request body alone. */
  public static GraphLimits ofNodes(int maxNodes) {
    return new GraphLimits(maxNodes, NO_PROMPT_LIMIT);
  }

  /** Whether a prompt (a template or a rendered one) is within {@link #maxPromptBytes}; null fits. */
  public boolean promptFits(String prompt) {
    return prompt == null || prompt.length() <= maxPromptBytes / 3 || utf8Length(prompt) <= maxPromptBytes;
  }

  /** The length of the text in UTF-8, as {@code getBytes(UTF_8)} would encode it, counted without encoding it. */
  public static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        // A lone surrogate is no character: the encoder writes '?' for it.
        bytes += 1;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
