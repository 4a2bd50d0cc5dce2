package io.dago.api.ws;

import io.dago.state.Event;
import io.dago.state.EventType;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What a client asked for, read from the path and query of its upgrade request:
 * <ul>
 *   <li>{@code /api/v1/graphs/{id}/events?after=SEQ}: one graph's events after {@code SEQ} (default 0), then live
 *   ones until its terminal event;
 *   <li>{@code /api/v1/events?graph=ID,ID&type=TYPE,TYPE}: live events of every graph, optionally only of these graphs
 *   and of these types (both filters must match).
 * </ul>
 * Anything else, unknown query parameters included, is a {@link BadRequest}: the client only sees the close reason,
 * so a misspelt parameter is better refused than silently ignored. Both take {@code token=TOKEN} too, for browsers,
 * which cannot set an {@code Authorization} header on a WebSocket; see {@link #token}.
 */
sealed interface Target {
  String GRAPH_EVENTS_PREFIX = "/api/v1/graphs/";
  String GRAPH_EVENTS_SUFFIX = "/events";
  String ALL_EVENTS = "/api/v1/events";
  String TOKEN = "token";

  /** One graph's log from {@code afterSeq} on, then its live events. */
  record Follow(String graphId, long afterSeq) implements Target {}

  /**
   * Live events of every graph that pass the filters.
   *
   * @param graphs only events of these graphs; empty for all
   * @param types only events of these types; empty for all
   */
  record Firehose(Set<String> graphs, Set<EventType> types) implements Target {
    Predicate<Event> filter() {
      return event -> (graphs.isEmpty() || graphs.contains(event.graphId()))
          && (types.isEmpty() || types.contains(event.type()));
    }
  }

  /** Why a request cannot be served; the message becomes the close reason. */
  final class BadRequest extends Exception {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  /** @param resource the request target as sent, e.g. {@code /api/v1/graphs/ID/events?after=3} */
  static Target parse(String resource) throws BadRequest {
    int mark = resource.indexOf('?');
    String path = mark < 0 ? resource : resource.substring(0, mark);
    Map<String, String> query = query(mark < 0 ? "" : resource.substring(mark + 1));
    if (path.equals(ALL_EVENTS)) {
      allowOnly(query, "graph", "type", TOKEN);
      return new Firehose(Set.copyOf(list(query.get("graph"))), types(query.get("type")));
    }
    if (path.startsWith(GRAPH_EVENTS_PREFIX) && path.endsWith(GRAPH_EVENTS_SUFFIX)) {
      String id = decode(path.substring(GRAPH_EVENTS_PREFIX.length(), path.length() - GRAPH_EVENTS_SUFFIX.length()));
      if (!id.isEmpty() && id.indexOf('/') < 0) {
        allowOnly(query, "after", TOKEN);
        return new Follow(id, after(query.get("after")));
      }
    }
    throw new BadRequest("no such endpoint: " + path + "; use " + GRAPH_EVENTS_PREFIX + "{id}" + GRAPH_EVENTS_SUFFIX
        + " or " + ALL_EVENTS);
  }

  /**
   * The {@code token} query parameter, read on its own before the request is parsed (and before a caller without a
   * valid token may learn anything about paths and parameters).
   *
   * @return its decoded value, or null when absent or not valid percent-encoding
   */
  static String token(String resource) {
    int mark = resource.indexOf('?');
    if (mark < 0) {
      return null;
    }
    for (String pair : resource.substring(mark + 1).split("&")) {
      int eq = pair.indexOf('=');
      try {
        if (eq > 0 && decode(pair.substring(0, eq)).equals(TOKEN)) {
          return decode(pair.substring(eq + 1));
        }
      } catch (BadRequest e) {
        return null;
      }
    }
    return null;
  }

  private static long after(String value) throws BadRequest {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      long seq = Long.parseLong(value);
      if (seq >= 0) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // answered below, as a negative number is
    }
    throw new BadRequest("query parameter 'after' must be a non-negative integer, not '" + value + "'");
  }

  private static Set<EventType> types(String value) throws BadRequest {
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (String name : list(value)) {
      try {
        types.add(EventType.valueOf(name));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("unknown event type '" + name + "' in 'type'; known types: "
            + Arrays.stream(EventType.values()).map(Enum::name).collect(Collectors.joining(",")));
      }
    }
    return types;
  }

  /** A comma-separated list without empty entries; empty when the parameter is absent. */
  private static List<String> list(String value) {
    return value == null ? List.of() : Arrays.stream(value.split(",")).filter(s -> !s.isEmpty()).toList();
  }

  private static void allowOnly(Map<String, String> query, String... known) throws BadRequest {
    for (String name : query.keySet()) {
      if (!List.of(known).contains(name)) {
        throw new BadRequest("unknown query parameter '" + name + "'; this endpoint takes " + String.join(", ", known));
      }
    }
  }

  /** Parameters by name; a repeated one keeps its first value, as the HTTP API does. */
  private static Map<String, String> query(String raw) throws BadRequest {
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      values.putIfAbsent(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
    }
    return values;
  }

  private static String decode(String text) throws BadRequest {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("not valid percent-encoding: '" + text + "'");
    }
  }
}
