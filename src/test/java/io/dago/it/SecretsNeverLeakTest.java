package io.dago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dago.Dago;
import io.dago.api.grpc.v1.GetGraphRequest;
import io.dago.api.grpc.v1.GraphDefinition;
import io.dago.api.grpc.v1.ListGraphsRequest;
import io.dago.api.grpc.v1.NodeDefinition;
import io.dago.api.grpc.v1.OrchestratorGrpc;
import io.dago.api.grpc.v1.SubmitGraphRequest;
import io.dago.api.grpc.v1.WatchGraphRequest;
import io.dago.config.Config;
import io.dago.config.ConfigException;
import io.dago.config.ConfigLoader;
import io.dago.config.LogFormat;
import io.dago.config.LogLevel;
import io.dago.json.Json;
import io.dago.log.Logging;
import io.dago.testing.DagoProcess;
import io.dago.testing.FakeAnthropicServer;
import io.dago.testing.FakeAnthropicServer.Reply;
import io.dago.testing.RedisServer;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.resps.ScanResult;

/**
 * The LLM key, the Redis password and the API tokens never appear in anything dago writes or answers: a whole run in
 * Redis mode against a password-protected Redis, on the Anthropic provider (a fake server on loopback), with tokens
 * required and {@code LOG_LEVEL=debug}, failures included (a provider 401, a 429 and its retry, wrong tokens, a bad
 * graph, Redis stopped and started again, start-ups with a wrong Redis password, configuration errors). Collected and
 * searched: every log record at any level of dago's loggers (and what the production formatter wrote to stderr),
 * every HTTP answer with its headers, every event (HTTP and WebSocket), graph states, {@code /metrics}, gRPC statuses
 * and trailers, start-up and configuration errors, and everything stored in Redis. Each secret is looked for as it
 * is, URL-encoded, in base64, by a distinctive part of it, and (tokens) as its SHA-256 digest.
 *
 * <p>The fake Anthropic server receives the key in {@code x-api-key}, as the real API does; what it saw and logged is
 * not collected.
 */
class SecretsNeverLeakTest {
  private static final String LLM_KEY = "sk-ant-api03-LEAK+llm/key=7f3a9c0d1e2f";
  private static final String REDIS_PASSWORD = "leak+redis/pass=5e1b@2d:x9";
  private static final String WRONG_REDIS_PASSWORD = "leak+wrong/pass=0a0b@1:y8";
  private static final String TOKEN_A = "leak-token-A+/=0123456789abcdef";
  private static final String TOKEN_B = "leak-token-B+/=fedcba9876543210";
  private static final String WRONG_TOKEN = "leak-token-W+/=wrongwrongwrong1";
  private static final List<String> SECRETS = List.of(LLM_KEY, REDIS_PASSWORD, WRONG_REDIS_PASSWORD, TOKEN_A, TOKEN_B,
      WRONG_TOKEN);
  /** In a graph's input, so in prompts and outputs: stored by design, but never logged (README, Observability). */
  private static final String PROMPT_MARKER = "PROMPT-MARKER-9d8e7f";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Everything dago wrote or answered, each with where it came from. */
  private final List<String[]> seen = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void noSecretAppearsInLogsAnswersEventsStateMetricsOrRedis() throws Exception {
    LogCapture logs = LogCapture.start();
    AtomicInteger rateLimited = new AtomicInteger();
    try (RedisServer redis = RedisServer.builder().password(REDIS_PASSWORD).appendOnly(RedisServer.Fsync.ALWAYS)
        .start(); FakeAnthropicServer anthropic = FakeAnthropicServer.start()) {
      anthropic.respondWith(request -> {
        String prompt = request.lastUserMessage();
        if (prompt.contains("UNAUTHORIZED")) {
          return Reply.error(401, "authentication_error", "invalid x-api-key");
        }
        if (prompt.contains("RATELIMIT") && rateLimited.getAndIncrement() == 0) {
          return Reply.error(429, "rate_limit_error", "Number of requests has exceeded your rate limit")
              .withHeader("retry-after", "1");
        }
        Reply reply = request.json() != null && Boolean.TRUE.equals(request.json().get("stream"))
            ? Reply.stream("claude: ", prompt) : Reply.text("claude: " + prompt);
        return prompt.contains("SLOW") ? Reply.delayed(Duration.ofSeconds(3), reply) : reply;
      });

      wrongRedisPasswordAtStartUp(redis, anthropic);
      Map<String, String> env = environment(redis, anthropic, "leak-main");
      env.put("REDIS_PASS", REDIS_PASSWORD);
      Config config = load(env);
      seen.add(new String[] {"Config.toString", config.toString() + " " + config.redis() + " " + config.security()});
      try (Dago dago = Dago.start(config)) {
        run(dago, redis);
      }
      passwordInRedisAddr(redis, anthropic);
      dumpRedis(redis);
    } finally {
      logs.stop();
    }
    logs.records().forEach(record -> seen.add(new String[] {"log record of " + record[0], record[1]}));
    seen.add(new String[] {"stderr", logs.stderr()});
    assertTrue(logs.lines().stream().anyMatch(l -> l.contains("anthropic call")),
        "the run logged model calls at debug");
    assertTrue(logs.lines().stream().anyMatch(l -> l.contains("GET /api/v1/graphs/{id}")),
        "the run logged HTTP access lines at debug");
    assertTrue(logs.lines().stream().anyMatch(l -> l.contains("WARNING") || l.contains("SEVERE")),
        "the run logged the Redis outage");
    List<String> logged = new ArrayList<>(logs.lines());
    logged.add(logs.stderr());
    assertTrue(logged.stream().noneMatch(line -> line.contains(PROMPT_MARKER)), () -> "a prompt or an output was logged: "
        + logged.stream().filter(line -> line.contains(PROMPT_MARKER)).findFirst().orElse(""));
    System.out.println("SecretsNeverLeakTest: searched " + seen.size() + " outputs, " + logs.lines().size()
        + " log records, " + logs.stderr().length() + " characters of stderr");
    assertNoSecrets();
  }

  /**
   * Bad values next to secrets: the error line names the variable, never the secret. Found: a REDIS_ADDR URL that
   * carries a password but no {@code @host} ({@code redis://:PASSWORD}, {@code redis://user:PASSWORD}, an operator
   * who forgot the host or the @) is quoted back unredacted, because {@code RedisAddress.redact} only redacts what
   * comes before an {@code @}; {@code redis://user:PASSWORD} also has the password quoted as "a bad port".
   */
  @Test
  void configurationErrors_neverQuoteASecret() throws Exception {
    try (RedisServer redis = RedisServer.builder().password(REDIS_PASSWORD).start()) {
      configurationErrors(redis);
    }
    assertNoSecrets();
  }

  private void run(Dago dago, RedisServer redis) throws Exception {
    String a = "Bearer " + TOKEN_A;
    WsFollower firehose = WsFollower.open(http, URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/events?token="
        + URLEncoder.encode(TOKEN_A, StandardCharsets.UTF_8)), null);

    List<String> graphs = new ArrayList<>();
    String good = submit(dago, a, """
        {"name": "leak check", "input": {"topic": "tide pools %s"}, "nodes": [
          {"id": "outline", "prompt": "Outline {{input.topic}}", "cache": true},
          {"id": "again", "prompt": "Outline {{input.topic}}", "cache": true, "depends_on": ["outline"]},
          {"id": "live", "prompt": "Stream {{nodes.outline.output}}", "stream": true, "depends_on": ["outline"]}]}"""
        .formatted(PROMPT_MARKER));
    graphs.add(good);
    assertEquals("completed", finished(dago, a, good).get("status"));
    String unauthorized = submit(dago, a, """
        {"nodes": [{"id": "a", "prompt": "UNAUTHORIZED please", "retry": {"max_attempts": 2}}]}""");
    graphs.add(unauthorized);
    assertEquals("failed", finished(dago, a, unauthorized).get("status"), "the provider's 401 fails the node");
    String retried = submit(dago, a, """
        {"nodes": [{"id": "a", "prompt": "RATELIMIT then fine", "retry": {"max_attempts": 3, "initial_backoff_ms": 100}}]}""");
    graphs.add(retried);
    assertEquals("completed", finished(dago, a, retried).get("status"), "a 429 is retried");
    assertTrue(events(dago, a, retried).contains("NodeRetrying"), "the 429 was answered and retried");
    assertTrue(events(dago, a, unauthorized).contains("authentication_failed"), "the 401 failed the node");

    // Refusals and errors.
    call(dago, "GET", "/api/v1/graphs", null, "Bearer " + WRONG_TOKEN);
    call(dago, "GET", "/api/v1/graphs", null, WRONG_TOKEN);
    call(dago, "GET", "/api/v1/graphs", null, "Basic " + Base64.getEncoder().encodeToString(
        ("user:" + TOKEN_A).getBytes(StandardCharsets.UTF_8)));
    call(dago, "GET", "/api/v1/graphs", null, "Token " + TOKEN_A);
    call(dago, "POST", "/api/v1/graphs", "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"{{nodes.b.output}}\"}]}", a);
    call(dago, "POST", "/api/v1/graphs", "{\"nodes\": ", a);
    call(dago, "GET", "/api/v1/graphs/nosuchgraph", null, a);
    call(dago, "DELETE", "/api/v1/graphs", null, a);
    call(dago, "GET", "/nowhere", null, "Bearer " + WRONG_TOKEN);
    call(dago, "POST", "/api/v1/graphs/" + good + "/cancel", null, a);
    call(dago, "GET", "/metrics", null, null);
    WsFollower.open(http, URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/events?token="
        + URLEncoder.encode(WRONG_TOKEN, StandardCharsets.UTF_8)), null).awaitClose(seen, "ws wrong token");
    WsFollower.open(http, URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/events"), "Bearer " + WRONG_TOKEN)
        .awaitClose(seen, "ws wrong bearer");
    WsFollower.open(http, URI.create("ws://127.0.0.1:" + dago.wsPort() + "/api/v1/graphs/" + good + "/events"),
        "Bearer " + TOKEN_B).awaitClose(seen, "ws follow");
    graphs.addAll(grpc(dago));

    // Redis goes away while a model call is running, and comes back.
    String slow = submit(dago, a, "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"SLOW one\"}, "
        + "{\"id\": \"b\", \"depends_on\": [\"a\"], \"prompt\": \"after {{nodes.a.output}}\"}]}");
    graphs.add(slow);
    await("the slow node started", () -> events(dago, a, slow).contains("NodeStarted"));
    redis.stop();
    await("/health 503", () -> call(dago, "GET", "/health", null, null) == 503);
    call(dago, "POST", "/api/v1/graphs", "{\"nodes\": [{\"id\": \"a\", \"prompt\": \"during the outage\"}]}", a);
    call(dago, "GET", "/api/v1/graphs/" + slow, null, a);
    Thread.sleep(4_000);
    redis.start();
    await("/health 200", () -> call(dago, "GET", "/health", null, null) == 200);
    assertEquals("completed", finished(dago, a, slow).get("status"), "the graph running through the outage");

    for (String id : graphs) {
      call(dago, "GET", "/api/v1/graphs/" + id, null, a);
      call(dago, "GET", "/api/v1/graphs/" + id + "/events", null, a);
    }
    call(dago, "GET", "/api/v1/graphs?limit=1000", null, a);
    call(dago, "GET", "/metrics", null, null);
    call(dago, "GET", "/health", null, null);
    firehose.close();
    seen.add(new String[] {"ws firehose", String.join("\n", firehose.frames) + " " + firehose.closed.getNow(null)});
    assertTrue(firehose.frames.size() > 10, "the firehose saw the run: " + firehose.frames.size() + " frames");
  }

  private List<String> grpc(Dago dago) throws Exception {
    List<String> ids = new ArrayList<>();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", dago.grpcPort()).usePlaintext().build();
    try {
      for (String token : List.of(TOKEN_B, WRONG_TOKEN)) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        OrchestratorGrpc.OrchestratorBlockingStub stub = OrchestratorGrpc.newBlockingStub(
            ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)))
            .withDeadlineAfter(30, TimeUnit.SECONDS);
        try {
          String id = stub.submitGraph(SubmitGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
              .addNodes(NodeDefinition.newBuilder().setId("a").setPrompt("over gRPC"))).build()).getId();
          ids.add(id);
          seen.add(new String[] {"grpc get", stub.getGraph(GetGraphRequest.newBuilder().setGraphId(id)
              .setWaitSeconds(20).build()).toString()});
          StringBuilder events = new StringBuilder();
          stub.watchGraph(WatchGraphRequest.newBuilder().setGraphId(id).build()).forEachRemaining(events::append);
          seen.add(new String[] {"grpc watch", events.toString()});
          seen.add(new String[] {"grpc list", stub.listGraphs(ListGraphsRequest.getDefaultInstance()).toString()});
          stub.submitGraph(SubmitGraphRequest.newBuilder().setGraph(GraphDefinition.newBuilder()
              .addNodes(NodeDefinition.newBuilder().setId("a"))).build());
        } catch (StatusRuntimeException e) {
          seen.add(new String[] {"grpc status", e.getStatus() + " " + e.getTrailers()});
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    return ids;
  }

  /** Start-ups that cannot log in to Redis: in this JVM (REDIS_PASS and in REDIS_ADDR), and as {@code java Main}. */
  private void wrongRedisPasswordAtStartUp(RedisServer redis, FakeAnthropicServer anthropic) {
    Map<String, String> env = environment(redis, anthropic, "leak-wrong-pass");
    env.put("REDIS_PASS", WRONG_REDIS_PASSWORD);
    RuntimeException refused = assertThrows(RuntimeException.class, () -> Dago.start(load(env)).close());
    seen.add(new String[] {"start-up error (REDIS_PASS)", "dago: cannot start: " + refused.getMessage() + "\n"
        + stackTrace(refused)});
    assertTrue(refused.getMessage().contains("REDIS_PASS"), refused.getMessage());

    Map<String, String> inUrl = environment(redis, anthropic, "leak-wrong-url");
    inUrl.put("REDIS_ADDR", "redis://:" + URLEncoder.encode(WRONG_REDIS_PASSWORD, StandardCharsets.UTF_8) + "@"
        + redis.addr());
    RuntimeException refusedUrl = assertThrows(RuntimeException.class, () -> Dago.start(load(inUrl)).close());
    seen.add(new String[] {"start-up error (REDIS_ADDR)", refusedUrl.getMessage() + "\n" + stackTrace(refusedUrl)});

    Map<String, String> process = environment(redis, anthropic, "leak-wrong-process");
    process.put("REDIS_PASS", WRONG_REDIS_PASSWORD);
    process.put("LOG_LEVEL", "debug");
    process.put("DAGO_API_TOKENS", TOKEN_A);
    IllegalStateException exited = assertThrows(IllegalStateException.class,
        () -> DagoProcess.start(process).close());
    seen.add(new String[] {"java Main with a wrong REDIS_PASS", exited.getMessage()});
    assertTrue(exited.getMessage().contains("dago: cannot start: Redis refused the credentials"),
        exited.getMessage());
  }

  /** A second instance given the right password in REDIS_ADDR: its start-up line names Redis without it. */
  private void passwordInRedisAddr(RedisServer redis, FakeAnthropicServer anthropic) {
    Map<String, String> env = environment(redis, anthropic, "leak-url");
    env.put("REDIS_ADDR", "redis://:" + URLEncoder.encode(REDIS_PASSWORD, StandardCharsets.UTF_8) + "@"
        + redis.addr() + "/0");
    Config config = load(env);
    seen.add(new String[] {"Config.toString (REDIS_ADDR)", config.toString() + " " + config.redis()});
    Dago.start(config).close();
  }

  private void configurationErrors(RedisServer redis) {
    String password = URLEncoder.encode(REDIS_PASSWORD, StandardCharsets.UTF_8);
    List<Map<String, String>> bad = List.of(
        Map.of("DAGO_API_TOKENS", TOKEN_A + ",short"),
        Map.of("DAGO_API_TOKENS", TOKEN_A + "\u0007"),
        Map.of("DAGO_API_TOKENS", TOKEN_A + "," + TOKEN_A.substring(0, 10)),
        Map.of("REDIS_ADDR", "redis://:" + password + "@127.0.0.1:99999"),
        Map.of("REDIS_ADDR", "redis://user:" + password + "@"),
        Map.of("REDIS_ADDR", "redis://user:" + password + "@[::1"),
        Map.of("REDIS_ADDR", "redis://:" + password + "@127.0.0.1:6379/99"),
        Map.of("REDIS_ADDR", "redis://:" + password + "@" + redis.addr(), "REDIS_CLUSTER", "true", "REDIS_DB", "3"),
        Map.of("REDIS_ADDR", "ftp://:" + password + "@" + redis.addr()),
        Map.of("REDIS_ADDR", "rediss://:" + password + "@a," + redis.addr(), "REDIS_CLUSTER", "true"),
        // An operator who forgot the host after the password, or the @ before it.
        Map.of("REDIS_ADDR", "redis://:" + password),
        Map.of("REDIS_ADDR", "redis://user:" + password),
        Map.of("LLM_API_KEY", LLM_KEY, "LLM_PROVIDER", "nope"),
        Map.of("LLM_API_KEY", LLM_KEY, "LLM_BASE_URL", "not a url"));
    for (Map<String, String> variables : bad) {
      Map<String, String> env = new HashMap<>(Map.of("DAGO_BIND", "127.0.0.1"));
      env.putAll(variables);
      try {
        Config config = ConfigLoader.load(env).config();
        seen.add(new String[] {"config " + variables.keySet(), "accepted: " + config});
      } catch (ConfigException e) {
        seen.add(new String[] {"configuration error for " + variables.keySet(),
            "dago: configuration error: " + e.getMessage()});
      }
    }
  }

  /** Every key in Redis, with everything it holds, whatever its type. */
  private void dumpRedis(RedisServer redis) {
    try (RedisClient client = RedisClient.builder().hostAndPort(redis.host(), redis.port())
        .clientConfig(DefaultJedisClientConfig.builder().password(REDIS_PASSWORD).build()).build()) {
      String cursor = "0";
      int keys = 0;
      StringBuilder dump = new StringBuilder();
      do {
        ScanResult<String> page = client.scan(cursor);
        for (String key : page.getResult()) {
          keys++;
          String type = client.type(key);
          byte[] name = key.getBytes(StandardCharsets.UTF_8);
          Object value = switch (type) {
            case "string" -> client.get(name);
            case "hash" -> client.hgetAll(name);
            case "stream" -> client.xrange(name, "-".getBytes(StandardCharsets.UTF_8),
                "+".getBytes(StandardCharsets.UTF_8));
            case "zset" -> client.zrangeWithScores(key, 0, -1);
            case "list" -> client.lrange(name, 0, -1);
            case "set" -> client.smembers(name);
            default -> "(type " + type + ")";
          };
          dump.append(key).append(" (").append(type).append("): ").append(text(value)).append('\n');
        }
        cursor = page.getCursor();
      } while (!cursor.equals("0"));
      assertTrue(keys > 5, "Redis holds the run: " + keys + " keys");
      assertTrue(dump.indexOf("dago:cache:") >= 0, "Redis holds cached replies");
      assertTrue(dump.indexOf(PROMPT_MARKER) >= 0 && dump.indexOf("NodeCompleted") >= 0,
          "the dump has the documents and the event logs");
      seen.add(new String[] {"redis (" + keys + " keys)", dump.toString()});
    }
  }

  /** A Redis reply as text: bulk strings decoded as UTF-8, arrays in brackets. */
  private static String text(Object reply) {
    return switch (reply) {
      case null -> "nil";
      case byte[] bytes -> new String(bytes, StandardCharsets.UTF_8);
      case java.util.Collection<?> elements -> {
        List<String> parts = new ArrayList<>();
        elements.forEach(element -> parts.add(text(element)));
        yield "[" + String.join(", ", parts) + "]";
      }
      case Map<?, ?> map -> {
        List<String> parts = new ArrayList<>();
        map.forEach((field, value) -> parts.add(text(field) + "=" + text(value)));
        yield "{" + String.join(", ", parts) + "}";
      }
      case redis.clients.jedis.resps.Tuple tuple -> text(tuple.getBinaryElement()) + " " + tuple.getScore();
      default -> String.valueOf(reply);
    };
  }

  private void assertNoSecrets() throws Exception {
    Map<String, String> forms = new LinkedHashMap<>();
    for (String secret : SECRETS) {
      forms.put(secret, secret);
      forms.put(secret + " (URL-encoded)", URLEncoder.encode(secret, StandardCharsets.UTF_8));
      forms.put(secret + " (URL-encoded, %20)", URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
      forms.put(secret + " (base64)", Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
      forms.put(secret + " (a distinctive part)", secret.substring(secret.length() / 2 - 5, secret.length() / 2 + 5));
      forms.put(secret + " (SHA-256)", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(StandardCharsets.UTF_8))));
    }
    List<String> leaks = new ArrayList<>();
    for (String[] output : seen) {
      for (Map.Entry<String, String> form : forms.entrySet()) {
        int at = output[1].indexOf(form.getValue());
        if (at >= 0) {
          String context = output[1].substring(Math.max(0, at - 150), Math.min(output[1].length(),
              at + form.getValue().length() + 100));
          leaks.add(form.getKey() + " in " + output[0] + ": ..." + context.replaceAll("\\s+", " ") + "...");
        }
      }
    }
    if (!leaks.isEmpty()) {
      fail(leaks.size() + " leaks in " + seen.size() + " outputs:\n" + String.join("\n\n", leaks));
    }
  }

  private Map<String, String> environment(RedisServer redis, FakeAnthropicServer anthropic, String instance) {
    Map<String, String> env = new HashMap<>();
    env.put("DAGO_BIND", "127.0.0.1");
    env.put("DAGO_HTTP_PORT", "0");
    env.put("DAGO_GRPC_PORT", "0");
    env.put("DAGO_WS_PORT", "0");
    env.put("DAGO_INSTANCE_ID", instance);
    env.put("REDIS_ADDR", redis.addr());
    env.put("LLM_API_KEY", LLM_KEY);
    env.put("LLM_BASE_URL", anthropic.baseUrl().toString());
    env.put("DAGO_API_TOKENS", TOKEN_A + "," + TOKEN_B);
    env.put("LOG_LEVEL", "debug");
    env.put("WORKER_POOL_SIZE", "4");
    env.put("DAGO_SHUTDOWN_GRACE_SECONDS", "0");
    return env;
  }

  /** Loads the configuration as Main does, its notices logged as Main logs them. */
  private Config load(Map<String, String> env) {
    ConfigLoader.Loaded loaded = ConfigLoader.load(env);
    Logger main = Logger.getLogger("io.dago.Main");
    loaded.notices().forEach(main::info);
    return loaded.config();
  }

  private String submit(Dago dago, String authorization, String graph) throws Exception {
    HttpResponse<String> response = send(dago, "POST", "/api/v1/graphs", graph, authorization);
    assertEquals(202, response.statusCode(), response.body());
    return (String) Json.parseObject(response.body().getBytes(StandardCharsets.UTF_8)).get("id");
  }

  private Map<String, Object> finished(Dago dago, String authorization, String id) throws Exception {
    HttpResponse<String> response = send(dago, "GET", "/api/v1/graphs/" + id + "?wait=30", null, authorization);
    return Json.parseObject(response.body().getBytes(StandardCharsets.UTF_8));
  }

  private String events(Dago dago, String authorization, String id) throws Exception {
    return send(dago, "GET", "/api/v1/graphs/" + id + "/events", null, authorization).body();
  }

  private int call(Dago dago, String method, String path, String body, String authorization) throws Exception {
    return send(dago, method, path, body, authorization).statusCode();
  }

  private HttpResponse<String> send(Dago dago, String method, String path, String body, String authorization)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + path))
        .timeout(Duration.ofSeconds(40))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    seen.add(new String[] {"HTTP " + method + " " + path, response.statusCode() + " " + response.headers().map() + " "
        + response.body()});
    return response;
  }

  private static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static String stackTrace(Throwable e) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    return trace.toString();
  }

  /** A WebSocket client keeping every frame and how the connection ended. */
  private static final class WsFollower implements WebSocket.Listener {
    final List<String> frames = new CopyOnWriteArrayList<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    static WsFollower open(HttpClient client, URI uri, String authorization) throws Exception {
      WsFollower follower = new WsFollower();
      WebSocket.Builder builder = client.newWebSocketBuilder();
      if (authorization != null) {
        builder.header("Authorization", authorization);
      }
      follower.socket = builder.buildAsync(uri, follower).get(10, TimeUnit.SECONDS);
      return follower;
    }

    void awaitClose(List<String[]> seen, String where) throws Exception {
      String close = closed.get(30, TimeUnit.SECONDS);
      seen.add(new String[] {where, String.join("\n", frames) + "\nclosed " + close});
    }

    void close() {
      socket.abort();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete("error " + error);
    }
  }

  /**
   * What {@code LOG_LEVEL=debug} sets up ({@link Logging#configure}: dago's loggers at debug, libraries at info, the
   * production formatter on stderr), with dago's loggers turned further down to every level, and every record kept.
   * Undone by {@link #stop}.
   */
  private static final class LogCapture {
    /** Logger name and formatted record. */
    private final List<String[]> records = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final PrintStream originalErr = System.err;
    private final Logger root = Logger.getLogger("");
    private final Logger dago = Logger.getLogger("io.dago");
    private final Handler[] originalHandlers = root.getHandlers();
    private final Level originalRootLevel = root.getLevel();
    private final Level originalDagoLevel = dago.getLevel();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        StringBuilder line = new StringBuilder(formatter.format(record));
        if (record.getParameters() != null) {
          for (Object parameter : record.getParameters()) {
            line.append(" param=").append(parameter);
          }
        }
        records.add(new String[] {record.getLoggerName(), line.toString()});
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };

    static LogCapture start() {
      LogCapture capture = new LogCapture();
      // The console handler Logging.configure creates writes to System.err as it is at that moment.
      System.setErr(new PrintStream(new Tee(capture.originalErr, capture.stderr), true, StandardCharsets.UTF_8));
      Logging.configure(LogLevel.DEBUG, LogFormat.TEXT, "leak-check");
      capture.dago.setLevel(Level.ALL);
      // -Dleakcheck.allLoggers=true: libraries at every level too (gRPC, Netty, Jedis, the JDK's HTTP server), which
      // LOG_LEVEL never does; see docs/SECURITY.md for what they print.
      if (Boolean.getBoolean("leakcheck.allLoggers")) {
        capture.root.setLevel(Level.ALL);
      }
      capture.handler.setLevel(Level.ALL);
      capture.root.addHandler(capture.handler);
      return capture;
    }

    List<String[]> records() {
      return List.copyOf(records);
    }

    List<String> lines() {
      return records.stream().map(record -> record[1]).toList();
    }

    String stderr() {
      synchronized (stderr) {
        return stderr.toString(StandardCharsets.UTF_8);
      }
    }

    void stop() {
      for (Handler installed : root.getHandlers()) {
        root.removeHandler(installed);
      }
      for (Handler original : originalHandlers) {
        root.addHandler(original);
      }
      root.setLevel(originalRootLevel);
      dago.setLevel(originalDagoLevel);
      System.setErr(originalErr);
    }
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final ByteArrayOutputStream second;

    Tee(OutputStream first, ByteArrayOutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      first.write(b);
      synchronized (second) {
        second.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      first.write(b, off, len);
      synchronized (second) {
        second.write(b, off, len);
      }
    }
  }
}
