package io.dago.store.redis;

import io.dago.json.Json;
import io.dago.state.Event;
import io.dago.state.EventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Events as Redis keeps them: one JSON object each, {@code {seq, type, graph, node, trace, time, data}}. */
final class EventCodec {
  private EventCodec() {}

  static String write(Event event) {
    return Json.writeString(tree(event));
  }

  /** Several events (of any graphs) in one JSON array, for one entry of the feed. */
  static String writeAll(List<Event> events) {
    List<Object> trees = new ArrayList<>(events.size());
    for (Event event : events) {
      trees.add(tree(event));
    }
    return Json.writeString(trees);
  }

  static Event read(String json) {
    return fromTree((Map<?, ?>) Json.parse(json));
  }

  static List<Event> readAll(String json) {
    List<?> trees = (List<?>) Json.parse(json);
    List<Event> events = new ArrayList<>(trees.size());
    for (Object tree : trees) {
      events.add(fromTree((Map<?, ?>) tree));
    }
    return events;
  }

  private static Map<String, Object> tree(Event event) {
    Map<String, Object> map = new LinkedHashMap<>(8);
    map.put("seq", event.seq());
    map.put("type", event.type().name());
    map.put("graph", event.graphId());
    if (event.nodeId() != null) {
      map.put("node", event.nodeId());
    }
    map.put("trace", event.traceId());
    map.put("time", event.time().toString());
    map.put("data", event.data());
    return map;
  }

  @SuppressWarnings("unchecked")
  private static Event fromTree(Map<?, ?> map) {
    Object data = map.get("data");
    return new Event(((Number) map.get("seq")).longValue(), EventType.valueOf((String) map.get("type")),
        (String) map.get("graph"), (String) map.get("node"), (String) map.get("trace"),
        Instant.parse((String) map.get("time")),
        data == null ? Map.of() : (Map<String, Object>) data);
  }
}
