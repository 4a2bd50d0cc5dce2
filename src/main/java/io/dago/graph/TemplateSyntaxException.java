package io.dago.graph;

/** A template's placeholder does not parse. The message says which placeholder, where, and what would. */
public final class TemplateSyntaxException extends RuntimeException {
  private final int position;

  TemplateSyntaxException(String message, int position) {
    super(message);
    this.position = position;
  }

  /**
   * Where the offending placeholder starts, counted in characters (Unicode code points) from 1, as in the message,
   * so that it matches what an editor shows.
   */
  public int position() {
    return position;
  }
}
