package io.dago.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.json.Json;
import io.dago.testing.RateLimits;
import io.dago.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens and rate limits on a real dago, over the JDK's HTTP client: every route of the route table with
 * every method, public routes, unknown routes, and the refusals metric.
 */
class HttpAccessTest {
  private static final String TOKEN = "http-test-token-0123456789";
  private static final String OTHER_TOKEN = "http-test-other-token-abcdef";
  private static final String WRONG_TOKEN = "http-test-wrong-token-0123456789";
  private static final String GRAPH = "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"hi\"}]}";
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
  private static final Pattern REJECTED = Pattern.compile(
      "dago_api_rejected_total\\{interface=\"http\",reason=\"(\\w+)\"} (\\d+)");

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private record Reply(int status, String body, HttpResponse<String> raw) {
    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    @SuppressWarnings("unchecked")
    String errorCode() {
      return (String) ((Map<String, Object>) Json.parseObject(body.getBytes(StandardCharsets.UTF_8)).get("error"))
          .get("code");
    }
  }

  /** @param token null sends no {@code Authorization} header */
  private Reply send(Dago dago, String method, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + path))
        .timeout(Duration.ofSeconds(30));
    if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(GRAPH, StandardCharsets.UTF_8));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.body(), response);
  }

  private String submit(Dago dago) throws Exception {
    Reply reply = send(dago, "POST", "/api/v1/graphs", TOKEN);
    assertEquals(202, reply.status(), reply.body());
    return (String) Json.parseObject(reply.body().getBytes(StandardCharsets.UTF_8)).get("id");
  }

  private Map<String, Long> rejected(Dago dago) throws Exception {
    String scrape = send(dago, "GET", "/metrics", TOKEN).body();
    Map<String, Long> counts = new java.util.HashMap<>();
    Matcher matcher = REJECTED.matcher(scrape);
    while (matcher.find()) {
      counts.put(matcher.group(1), Long.parseLong(matcher.group(2)));
    }
    return counts;
  }

  private void assertUnauthorized(Reply reply, String what) {
    assertEquals(401, reply.status(), what + ": " + reply.body());
    assertEquals("Bearer", reply.header("WWW-Authenticate"), what);
    if (!reply.raw().request().method().equals("HEAD")) {
      assertEquals("unauthorized", reply.errorCode(), what);
    }
  }

  @Test
  void everyRouteAndMethod_needsAToken_exceptGetHealth() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN + "," + OTHER_TOKEN))) {
      String id = submit(dago);
      Set<String> templates = new LinkedHashSet<>();
      for (String route : HttpApi.routes(new Endpoints(null)).describe()) {
        templates.add(route.substring(route.indexOf(' ') + 1));
      }
      templates.add("/metrics");
      templates.add("/no/such/route");
      int refusals = 0;
      List<String> open = new ArrayList<>();
      for (String template : templates) {
        String path = template.replace("{id}", id);
        for (String method : METHODS) {
          String what = method + " " + template;
          Reply none = send(dago, method, path, null);
          if (none.status() != 401) {
            open.add(what);
            continue;
          }
          Reply wrong = send(dago, method, path, WRONG_TOKEN);
          Reply right = send(dago, method, path, TOKEN);
          Reply other = send(dago, method, path, OTHER_TOKEN);
          refusals += 2;

          assertUnauthorized(none, what + " without a token");
          assertUnauthorized(wrong, what + " with a wrong token");
          assertEquals(none.body(), wrong.body(), what + ": a missing and a wrong token must look the same");
          assertNotEquals(401, right.status(), what + " with the token: " + right.body());
          assertNotEquals(401, other.status(), what + " with the other token: " + other.body());
          assertNull(right.header("WWW-Authenticate"), what);
        }
      }

      assertEquals(List.of("GET /health", "GET /metrics"), open, "the only routes open without a token");
      assertEquals(200, send(dago, "GET", "/health", null).status());
      assertEquals(refusals, rejected(dago).get("unauthorized"), "every refusal counted once");
      assertEquals(0, rejected(dago).get("rate_limited"));
    }
  }

  @Test
  void aRightTokenWithoutTheBearerScheme_isRefused() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN))) {
      HttpRequest basic = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + "/api/v1/graphs"))
          .header("Authorization", TOKEN).build();

      assertEquals(401, client.send(basic, HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(200, send(dago, "GET", "/api/v1/graphs", TOKEN).status());
    }
  }

  @Test
  void metrics_needATokenToo_whenMetricsAuthIsOn() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN, "DAGO_METRICS_AUTH", "true"))) {
      assertUnauthorized(send(dago, "GET", "/metrics", null), "GET /metrics without a token");
      assertUnauthorized(send(dago, "GET", "/metrics", WRONG_TOKEN), "GET /metrics with a wrong token");
      Reply scrape = send(dago, "GET", "/metrics", TOKEN);

      assertEquals(200, scrape.status());
      assertTrue(scrape.body().contains("dago_api_rejected_total{interface=\"http\",reason=\"unauthorized\"} 2"),
          scrape.body());
      assertEquals(200, send(dago, "GET", "/health", null).status());
    }
  }

  @Test
  void withoutTokens_everyRouteIsOpen() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded())) {
      assertEquals(200, send(dago, "GET", "/api/v1/graphs", null).status());
      assertEquals(200, send(dago, "GET", "/api/v1/graphs", WRONG_TOKEN).status(), "a token nobody asked for is ignored");
      assertEquals(404, send(dago, "GET", "/no/such/route", null).status());
    }
  }

  @Test
  void theSixthQuickRequest_isRateLimited_withRetryAfter_andEachTokenHasItsOwnBucket() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_API_TOKENS", TOKEN + "," + OTHER_TOKEN,
        "DAGO_RATE_LIMIT", "5", "DAGO_RATE_BURST", "5"))) {
      // Loads the classes of the path on both sides, from the other token's bucket.
      assertEquals(200, send(dago, "GET", "/api/v1/graphs", OTHER_TOKEN).status());
      Reply sixth = RateLimits.firstRefusal(5, 5, () -> send(dago, "GET", "/api/v1/graphs", TOKEN),
          reply -> reply.status() != 200);

      assertEquals(429, sixth.status(), sixth.body());
      assertEquals("rate_limited", sixth.errorCode());
      assertTrue(Long.parseLong(sixth.header("Retry-After")) >= 1, sixth.header("Retry-After"));
      assertEquals(200, send(dago, "GET", "/api/v1/graphs", OTHER_TOKEN).status(), "the other token's bucket is full");
      for (int i = 0; i < 10; i++) {
        assertEquals(200, send(dago, "GET", "/health", null).status(), "/health is never limited");
      }
      assertEquals(1, rejected(dago).get("rate_limited"));
    }
  }

  @Test
  void withoutTokens_theRateLimitIsPerClientAddress() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_RATE_LIMIT", "5", "DAGO_RATE_BURST", "5"))) {
      send(dago, "GET", "/health", null);
      Reply sixth = RateLimits.firstRefusal(5, 5, () -> send(dago, "GET", "/api/v1/graphs", null),
          reply -> reply.status() != 200);

      assertEquals(429, sixth.status(), sixth.body());
      assertTrue(Long.parseLong(sixth.header("Retry-After")) >= 1);
      assertEquals(200, send(dago, "GET", "/metrics", null).status(), "public routes are not limited");
    }
  }
}
