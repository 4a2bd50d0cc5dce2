package io.dago.metrics;

import java.util.List;

/** One metric family of the exposition: what its header says, and how its samples are written. */
abstract class Collector {
  final String name;
  final Type type;
  final String help;
  final List<String> labelNames;

  Collector(String name, Type type, String help, List<String> labelNames) {
    this.name = name;
    this.type = type;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** Writes the family's sample lines, in a stable order; the header is the registry's job. */
  abstract void writeSamples(PrometheusText out);
}
