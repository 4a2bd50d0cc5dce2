package io.dago.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;

class RedisClusterTest {
  // With a password: it takes the longer way through the fixture (redis-cli and every poll must log in).
  private static final String PASSWORD = "s3cret";
  private static RedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(PASSWORD);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static DefaultJedisClientConfig config() {
    return DefaultJedisClientConfig.builder().password(PASSWORD).timeoutMillis(2000).build();
  }

  private static RedisClient direct(RedisServer node) {
    return RedisClient.builder().hostAndPort(node.host(), node.port()).clientConfig(config()).build();
  }

  private static RedisClusterClient clusterClient() {
    return RedisClusterClient.builder()
        .nodes(Set.of(HostAndPort.from(cluster.nodes().get(0).addr())))
        .clientConfig(config())
        .build();
  }

  @Test
  void everyNodeSaysTheClusterIsOk() {
    assertEquals(3, cluster.nodes().size());
    cluster.nodes().forEach(node -> assertEquals(PASSWORD, node.password()));
    assertEquals(cluster.nodes().stream().map(RedisServer::addr).collect(Collectors.joining(",")), cluster.seeds());
    for (RedisServer node : cluster.nodes()) {
      try (Jedis client = new Jedis(HostAndPort.from(node.addr()), config())) {
        String info = client.clusterInfo();
        assertTrue(info.contains("cluster_state:ok"), node.addr() + ": " + info);
        assertTrue(info.contains("cluster_known_nodes:3"), node.addr() + ": " + info);
      }
    }
  }

  @Test
  void keysWithDifferentHashTagsSpreadOverEveryNodeAndKeysSharingOneStayTogether() {
    Map<String, List<String>> keysByNode = new HashMap<>();
    try (RedisClusterClient client = clusterClient()) {
      for (int graph = 0; graph < 30; graph++) {
        client.set("{graph-" + graph + "}:state", "running");
        client.set("{graph-" + graph + "}:events", "1");
      }
    }
    for (RedisServer node : cluster.nodes()) {
      try (RedisClient client = direct(node)) {
        keysByNode.put(node.addr(), List.copyOf(client.keys("*")));
      }
    }

    keysByNode.forEach((node, keys) -> assertFalse(keys.isEmpty(), node + " holds no key: " + keysByNode));
    assertEquals(60, keysByNode.values().stream().mapToInt(List::size).sum());
    for (List<String> keys : keysByNode.values()) {
      for (String key : keys) {
        String sibling = key.endsWith(":state") ? key.replace(":state", ":events") : key.replace(":events", ":state");
        assertTrue(keys.contains(sibling), key + " is not on the same node as " + sibling);
      }
    }
  }
}
