package io.dago.it.redis;

import io.dago.testing.RedisServer;
import io.dago.testing.TestConfigs;
import java.util.ArrayList;
import java.util.List;

/**
 * Instances {@code a} and {@code b} of one deployment, in this JVM, sharing a Redis database. Tests that need
 * different settings use different databases of the same server, so their keys, queue and feed never meet.
 */
final class TwoInstances implements AutoCloseable {
  final Instance a;
  final Instance b;

  private TwoInstances(Instance a, Instance b) {
    this.a = a;
    this.b = b;
  }

  /** @param variables name and value pairs both instances get, on top of Redis mode with the echo provider */
  static TwoInstances start(RedisServer redis, int db, String... variables) {
    Instance a = start(redis, db, "a", variables);
    try {
      return new TwoInstances(a, start(redis, db, "b", variables));
    } catch (RuntimeException e) {
      a.close();
      throw e;
    }
  }

  private static Instance start(RedisServer redis, int db, String name, String... variables) {
    List<String> all = new ArrayList<>(List.of(variables));
    all.addAll(List.of("DAGO_INSTANCE_ID", name, "REDIS_DB", Integer.toString(db)));
    return new Instance(name, TestConfigs.redis(redis.addr(), all.toArray(String[]::new)));
  }

  List<Instance> both() {
    return List.of(a, b);
  }

  Instance other(Instance one) {
    return one == a ? b : a;
  }

  @Override
  public void close() {
    try {
      b.close();
    } finally {
      a.close();
    }
  }
}
