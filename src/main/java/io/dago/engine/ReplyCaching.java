package io.dago.engine;

import io.dago.graph.NodeSpec;
import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.store.CacheKey;
import io.dago.store.ReplyCache;
import java.time.Duration;
import java.util.Optional;

/** Which nodes reuse stored replies, and for how long a reply is kept. */
record ReplyCaching(ReplyCache cache, Duration ttl, boolean everyNode) {

  /** The key a node's call is cached under, or null when the node does not use the cache. */
  CacheKey keyFor(NodeSpec spec, String provider, LlmRequest request) {
    return everyNode || spec.cache() ? CacheKey.of(provider, request) : null;
  }

  Optional<LlmResponse> find(CacheKey key) {
    return cache.get(key);
  }

  void keep(CacheKey key, LlmResponse response) {
    cache.put(key, response, ttl);
  }
}
