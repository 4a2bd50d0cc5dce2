package io.dago.testing;

import io.dago.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A JSON client for tests against a real server on localhost. */
public final class TestClient {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public TestClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** A response with its body parsed as JSON (null when it had none). */
  public record Reply(int status, HttpResponse<String> raw, Object json) {
    @SuppressWarnings("unchecked")
    public Map<String, Object> body() {
      return (Map<String, Object>) json;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> error() {
      return (Map<String, Object>) body().get("error");
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  public Reply get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  public Reply postJson(String path, String json, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder builder = request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return send(builder.build());
  }

  public Reply postEmpty(String path) throws IOException, InterruptedException {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
  }

  public Reply send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    Object json = response.body().isEmpty() ? null : Json.parse(response.body().getBytes(StandardCharsets.UTF_8));
    return new Reply(response.statusCode(), response, json);
  }
}
