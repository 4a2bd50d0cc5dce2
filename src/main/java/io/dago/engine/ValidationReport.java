package io.dago.engine;

/** What validating a graph without running it reports: its size and the number of nodes on its longest path. */
public record ValidationReport(int nodes, int depth) {}
