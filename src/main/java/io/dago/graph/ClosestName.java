package io.dago.graph;

import java.util.List;
import java.util.Locale;

/**
 * Finds the known name a misspelt one was probably meant to be, for "did you mean" hints. Catches the usual slips:
 * a typo or two ({@code promt}), another casing or separator ({@code maxTokens}, {@code max-tokens}) and a cut-off
 * name ({@code timeout} for {@code timeout_seconds}).
 */
final class ClosestName {
  /** Longer names are not slips of a known one, and the distance costs their length times each candidate's. */
  private static final int MAX_LENGTH = 64;

  private ClosestName() {}

  /** @return the closest of {@code known}, or null when none is close enough to be a useful hint */
  static String among(String unknown, List<String> known) {
    if (unknown.length() > MAX_LENGTH) {
      return null;
    }
    String wanted = normalise(unknown);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      String name = normalise(candidate);
      if (name.equals(wanted)) {
        return candidate;
      }
      if (wanted.length() >= 4 && name.startsWith(wanted)) {
        return candidate;
      }
      int distance = distance(wanted, name);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = candidate;
      }
    }
    // Beyond a third of the word, a "did you mean" hint points somewhere arbitrary.
    int tolerated = Math.max(1, Math.min(2, wanted.length() / 3));
    return bestDistance <= tolerated ? best : null;
  }

  private static String normalise(String name) {
    return name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
  }

  /**
   * Edit distance counting a swap of two neighbouring letters as one edit, the commonest typo ({@code nmae}),
   * kept to three rows rather than a full table.
   */
  private static int distance(String a, String b) {
    int[] beforePrevious = new int[b.length() + 1];
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int best = Math.min(previous[j - 1] + cost, Math.min(previous[j], current[j - 1]) + 1);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          best = Math.min(best, beforePrevious[j - 2] + 1);
        }
        current[j] = best;
      }
      int[] recycled = beforePrevious;
      beforePrevious = previous;
      previous = current;
      current = recycled;
    }
    return previous[b.length()];
  }
}
