package io.dago.store.redis;

import io.dago.json.Json;
import io.dago.state.EventData;
import io.dago.state.GraphStatus;
import io.dago.state.GraphView;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A graph's summary as the graph hash keeps it for listings (JSON). */
final class SummaryCodec {
  private SummaryCodec() {}

  static String write(GraphView.Summary summary) {
    Map<String, Object> map = new LinkedHashMap<>(12);
    map.put("id", summary.id());
    map.put("name", summary.name());
    map.put("status", summary.status().name());
    map.put("created_at", time(summary.createdAt()));
    map.put("started_at", time(summary.startedAt()));
    map.put("finished_at", time(summary.finishedAt()));
    map.put("error", summary.error() == null ? null : EventData.error(summary.error()));
    map.put("usage", EventData.usage(summary.usage()));
    map.put("nodes", summary.nodeCount());
    return Json.writeString(map);
  }

  static GraphView.Summary read(String json) {
    Map<String, Object> map = Json.parseObject(json);
    return new GraphView.Summary((String) map.get("id"), (String) map.get("name"),
        GraphStatus.valueOf(((String) map.get("status")).toUpperCase(Locale.ROOT)), instant(map.get("created_at")),
        instant(map.get("started_at")), instant(map.get("finished_at")), EventData.readError(map.get("error")),
        EventData.readUsage(map.get("usage")), EventData.readInt(map.get("nodes")));
  }

  private static String time(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static Instant instant(Object text) {
    return text == null ? null : Instant.parse((String) text);
  }
}
