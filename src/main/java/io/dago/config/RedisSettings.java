package io.dago.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Where Redis is and how to log in, parsed from {@code REDIS_ADDR}, {@code REDIS_PASS}, {@code REDIS_DB} and
 * {@code REDIS_CLUSTER}. Holds no driver types, so that only the Redis adapter knows which client library is used.
 *
 * @param seeds the node to use, or with {@code cluster} the nodes to discover the cluster from; never empty
 * @param tls whether every connection uses TLS ({@code rediss://})
 * @param user the ACL user, or null for the default user
 * @param password the password, or null when Redis asks for none; never printed
 * @param db the database index; always 0 for a cluster, which has no other
 * @param cluster whether {@code seeds} belong to a Redis Cluster
 */
public record RedisSettings(List<RedisEndpoint> seeds, boolean tls, String user, String password, int db,
    boolean cluster) {

  public RedisSettings {
    seeds = List.copyOf(seeds);
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("at least one seed is needed");
    }
    if (!cluster && seeds.size() > 1) {
      throw new IllegalArgumentException("a single Redis node has one address, got " + seeds.size());
    }
    if (db < 0 || db > 15 || cluster && db != 0) {
      throw new IllegalArgumentException("db must be between 0 and 15, and 0 for a cluster, got " + db);
    }
  }

  /** The first seed: the node named in messages about the connection as a whole. */
  public RedisEndpoint first() {
    return seeds.get(0);
  }

  /** For the start-up log, e.g. {@code redis://127.0.0.1:6379/0} or {@code cluster of 3 seeds (a:7000, ...)}. */
  public String describe() {
    if (cluster) {
      return (tls ? "TLS " : "") + "cluster of " + seeds.size() + (seeds.size() == 1 ? " seed (" : " seeds (")
          + seeds.stream().map(RedisEndpoint::toString).collect(Collectors.joining(", ")) + ")"
          + (user == null ? "" : " as " + user);
    }
    return (tls ? "rediss://" : "redis://") + (user == null ? "" : user + "@") + first() + "/" + db;
  }

  /** Never prints the password: records print every component, so this one is written by hand. */
  @Override
  public String toString() {
    return "RedisSettings[seeds=" + seeds + ", tls=" + tls + ", user=" + user
        + ", password=" + (password == null ? "none" : "set") + ", db=" + db + ", cluster=" + cluster + "]";
  }
}
