package io.dago.graph;

import java.util.List;

/** A graph document broke one or more rules; every problem found is carried, not just the first. */
public final class InvalidGraphException extends RuntimeException {
  private final List<Problem> problems;

  public InvalidGraphException(List<Problem> problems) {
    super(problems.size() == 1 ? problems.get(0).path() + ": " + problems.get(0).message()
        : problems.size() + " problems in the graph");
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
