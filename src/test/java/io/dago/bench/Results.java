package io.dago.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results file: one {@code FIGURE value} line per figure per run. Several client processes append to it (one
 * per server process), and the report reads it back once at the end.
 */
final class Results {
  private Results() {}

  static void append(Path file, List<Measurement> measurements) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (Measurement m : measurements) {
      lines.append(m.figure().name()).append(' ').append(String.format(Locale.ROOT, "%.6f", m.value())).append('\n');
    }
    Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  static Map<Figure, List<Double>> read(Path file) throws IOException {
    Map<Figure, List<Double>> runs = new EnumMap<>(Figure.class);
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.trim().split("\\s+");
      if (parts.length != 2) {
        throw new BenchException("bad line in " + file + ": '" + line + "'");
      }
      Figure figure;
      try {
        figure = Figure.valueOf(parts[0]);
      } catch (IllegalArgumentException e) {
        throw new BenchException("unknown figure '" + parts[0] + "' in " + file);
      }
      runs.computeIfAbsent(figure, f -> new ArrayList<>()).add(Double.parseDouble(parts[1]));
    }
    return runs;
  }

  /**
   * The Markdown table: median, min and max of each figure over its runs, beside its goal.
   *
   * @param redis whether to judge the figures by Redis mode's goals rather than the embedded ones
   */
  static String table(Map<Figure, List<Double>> runs, boolean redis) {
    long distinctCounts = runs.values().stream().mapToInt(List::size).distinct().count();
    StringBuilder table = new StringBuilder();
    if (distinctCounts == 1) {
      int count = runs.values().iterator().next().size();
      table.append("Median, min and max over ").append(count).append(count == 1 ? " run" : " runs")
          .append(" of each workload.\n\n");
    }
    table.append("| workload | figure | median | min | max | goal | met? |\n");
    table.append("|---|---|---:|---:|---:|---|---|\n");
    runs.forEach((figure, values) -> {
      double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double median = median(sorted);
      String workload = figure.workload.title + (distinctCounts == 1 ? "" : " (" + sorted.length + " runs)");
      Goal goal = figure.goal(redis);
      table.append("| ").append(workload)
          .append(" | ").append(figure.label)
          .append(" | ").append(figure.format(median))
          .append(" | ").append(figure.format(sorted[0]))
          .append(" | ").append(figure.format(sorted[sorted.length - 1]))
          .append(" | ").append(goal == null ? "-" : goal.toString())
          .append(" | ").append(goal == null ? "-" : goal.isMetBy(median) ? "yes" : "**no**")
          .append(" |\n");
    });
    return table.toString();
  }

  static double median(double[] sorted) {
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** Each figure's runs on one line, for the record beneath the table. */
  static String rawRuns(Map<Figure, List<Double>> runs) {
    StringBuilder text = new StringBuilder();
    runs.forEach((figure, values) -> text.append(figure.workload.name()).append(' ').append(figure.label)
        .append(": ").append(Arrays.toString(values.stream().map(figure::format).toArray())).append('\n'));
    return text.toString();
  }
}
