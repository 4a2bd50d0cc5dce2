package io.dago.store.redis;

import io.dago.json.Json;
import io.dago.state.GraphRun;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What never changes about a graph, stored once at submission: the document it was planned from, its trace, when it
 * was created and with which idempotency key. With the event log, it is all it takes to rebuild the graph anywhere.
 */
record StoredGraph(String id, Map<String, Object> document, String traceparent, Instant createdAt,
    String idempotencyKey) {

  static StoredGraph of(GraphRun run, Map<String, Object> document, String idempotencyKey) {
    return new StoredGraph(run.id(), document, run.trace().traceparent(), run.createdAt(), idempotencyKey);
  }

  String toJson() {
    Map<String, Object> map = new LinkedHashMap<>(8);
    map.put("id", id);
    map.put("trace", traceparent);
    map.put("created_at", createdAt.toString());
    map.put("idempotency_key", idempotencyKey);
    map.put("document", document);
    return Json.writeString(map);
  }

  @SuppressWarnings("unchecked")
  static StoredGraph fromJson(String json) {
    Map<String, Object> map = Json.parseObject(json);
    return new StoredGraph((String) map.get("id"), (Map<String, Object>) map.get("document"),
        (String) map.get("trace"), Instant.parse((String) map.get("created_at")),
        (String) map.get("idempotency_key"));
  }
}
