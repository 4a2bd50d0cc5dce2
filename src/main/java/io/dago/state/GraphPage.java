package io.dago.state;

import java.util.List;

/**
 * One page of a graph listing, newest first.
 *
 * @param nextCursor pass back to get the next page, or null on the last page
 */
public record GraphPage(List<GraphView.Summary> graphs, String nextCursor) {}
