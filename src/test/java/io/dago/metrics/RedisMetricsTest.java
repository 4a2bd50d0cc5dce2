package io.dago.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.testing.RedisServer;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** In Redis mode the scrape also shows the Redis connection pool and failed Redis commands, and promtool accepts it. */
class RedisMetricsTest {
  private static final String GRAPH = """
      {"name": "m", "nodes": [{"id": "a", "prompt": "x"}, {"id": "b", "depends_on": ["a"], "prompt": "y"}]}""";

  @Test
  void theScrapeShowsThePoolAndCountsFailedCommandsWhenRedisIsGone() throws Exception {
    try (RedisServer redis = RedisServer.builder().start();
        Dago dago = Dago.start(TestConfigs.redis(redis.addr()))) {
      TestClient client = new TestClient(dago.httpPort());
      String id = (String) client.postJson("/api/v1/graphs", GRAPH).body().get("id");
      assertEquals("completed", client.get("/api/v1/graphs/" + id + "?wait=10").body().get("status"));

      String scrape = scrape(dago);
      Promtool.Result check = Promtool.checkMetrics(scrape);
      assertEquals(0, check.exitCode(), check.output());
      assertEquals("", check.output().strip());
      assertTrue(value(scrape, "dago_redis_pool_active_connections") + value(scrape, "dago_redis_pool_idle_connections")
          >= 1, scrape);
      assertEquals(0, value(scrape, "dago_redis_pool_waiting_threads"));
      assertEquals(0, value(scrape, "dago_redis_errors_total"));
      assertEquals(2, value(scrape, "dago_nodes_finished_total\\{status=\"completed\"\\}"));

      redis.stop();
      TestClient.Reply refused = client.postJson("/api/v1/graphs", GRAPH);
      assertEquals(503, refused.status(), refused.raw().body());
      assertEquals("unavailable", refused.error().get("code"));
      TestClient.Reply health = client.get("/health");
      assertEquals(503, health.status());
      @SuppressWarnings("unchecked")
      Map<String, Object> component = (Map<String, Object>) ((Map<String, Object>) health.body().get("components"))
          .get("redis");
      assertEquals("down", component.get("status"));
      assertTrue(value(scrape(dago), "dago_redis_errors_total") >= 1);
    }
  }

  private static String scrape(Dago dago) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + dago.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static double value(String scrape, String series) {
    Matcher line = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(scrape);
    if (!line.find()) {
      throw new AssertionError(series + " is not in the scrape:\n" + scrape);
    }
    return Double.parseDouble(line.group(1));
  }
}
