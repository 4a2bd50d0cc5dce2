package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A scrape read back for assertions: each sample line as {@code name{labels}} and its value. */
record Exposition(String text, Map<String, Double> samples, List<String> typeLines) {

  static Exposition parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    List<String> types = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        types.add(line.substring("# TYPE ".length()));
      } else if (!line.isEmpty() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), parseValue(line.substring(space + 1)));
      }
    }
    return new Exposition(text, samples, types);
  }

  private static double parseValue(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /** @param series as written, e.g. {@code dago_graphs_finished_total{status="completed"}} */
  double value(String series) {
    Double value = samples.get(series);
    assertTrue(value != null, "no sample " + series + " in:\n" + text);
    return value;
  }

  boolean has(String series) {
    return samples.containsKey(series);
  }

  /** Names of the families, from their TYPE lines. */
  List<String> families() {
    return typeLines.stream().map(line -> line.substring(0, line.indexOf(' '))).toList();
  }
}
