package io.dago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.Dago;
import io.dago.testing.RedisServer;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisModeSmokeTest {
  private static final String DIAMOND = """
      {"name": "d", "input": {"topic": "tides"}, "nodes": [
        {"id": "a", "prompt": "about {{input.topic}}"},
        {"id": "b", "depends_on": ["a"], "prompt": "b of {{nodes.a.output}}"},
        {"id": "c", "depends_on": ["a"], "prompt": "c"},
        {"id": "d", "depends_on": ["b", "c"], "prompt": "d"}]}""";

  @Test
  void aDiamondRunsToTheEnd() throws Exception {
    try (RedisServer redis = RedisServer.builder().start();
        Dago dago = Dago.start(TestConfigs.redis(redis.addr()))) {
      TestClient client = new TestClient(dago.httpPort());
      TestClient.Reply submitted = client.postJson("/api/v1/graphs", DIAMOND);
      assertEquals(202, submitted.status(), submitted.raw().body());
      String id = (String) submitted.body().get("id");
      TestClient.Reply done = client.get("/api/v1/graphs/" + id + "?wait=10");
      assertEquals("completed", done.body().get("status"), done.raw().body());
      TestClient.Reply events = client.get("/api/v1/graphs/" + id + "/events");
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> list = (List<Map<String, Object>>) events.body().get("events");
      assertEquals(11, list.size(), events.raw().body());
    }
  }
}
