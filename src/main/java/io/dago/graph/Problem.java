package io.dago.graph;

/**
 * One thing wrong with a graph document.
 *
 * @param path where, as a JSON path such as {@code $.nodes[2].depends_on[0]}
 */
public record Problem(String path, String message) {}
