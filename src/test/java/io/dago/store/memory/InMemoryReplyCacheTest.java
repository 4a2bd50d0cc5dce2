package io.dago.store.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.llm.LlmRequest;
import io.dago.llm.LlmResponse;
import io.dago.llm.Usage;
import io.dago.store.CacheKey;
import io.dago.store.ReplyCache;
import io.dago.store.ReplyCacheContract;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryReplyCacheTest extends ReplyCacheContract {
  private final AtomicLong nanos = new AtomicLong(-5_000_000_000L);
  private final InMemoryReplyCache cache = new InMemoryReplyCache(100, nanos::get);

  @Override
  protected ReplyCache cache() {
    return cache;
  }

  private static CacheKey key(String prompt) {
    return CacheKey.of("echo", new LlmRequest("m", null, prompt, 64, null, null, null, null));
  }

  private static LlmResponse reply(String text) {
    return new LlmResponse(text, new Usage(1, 2), "end_turn");
  }

  private void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }

  @Test
  void aReplyIsReturnedUntilItsTtlHasPassedAndNotAfter() {
    cache.put(key("a"), reply("a"), Duration.ofSeconds(10));

    advance(Duration.ofSeconds(10).minusNanos(1));
    assertEquals(Optional.of(reply("a")), cache.get(key("a")));
    advance(Duration.ofNanos(1));
    assertEquals(Optional.empty(), cache.get(key("a")));
    assertEquals(0, cache.size(), "an expired entry found by a lookup is dropped");
  }

  @Test
  void eachEntryKeepsItsOwnTtl() {
    cache.put(key("short"), reply("short"), Duration.ofSeconds(1));
    cache.put(key("long"), reply("long"), Duration.ofSeconds(60));

    advance(Duration.ofSeconds(2));

    assertEquals(Optional.empty(), cache.get(key("short")));
    assertEquals(Optional.of(reply("long")), cache.get(key("long")));
  }

  @Test
  void aPutRestartsTheTtl() {
    cache.put(key("a"), reply("old"), Duration.ofSeconds(5));
    advance(Duration.ofSeconds(4));
    cache.put(key("a"), reply("new"), Duration.ofSeconds(5));
    advance(Duration.ofSeconds(4));

    assertEquals(Optional.of(reply("new")), cache.get(key("a")));
  }

  @Test
  void aTtlTooLongForNanosecondsKeepsTheReply() {
    cache.put(key("a"), reply("a"), ChronoUnit.FOREVER.getDuration());
    advance(Duration.ofDays(365 * 100));

    assertEquals(Optional.of(reply("a")), cache.get(key("a")));
  }

  @Test
  void whenFullTheLeastRecentlyUsedReplyIsEvicted() {
    InMemoryReplyCache small = new InMemoryReplyCache(3, nanos::get);
    small.put(key("a"), reply("a"), MINUTE);
    small.put(key("b"), reply("b"), MINUTE);
    small.put(key("c"), reply("c"), MINUTE);
    small.get(key("a"));

    small.put(key("d"), reply("d"), MINUTE);

    assertEquals(3, small.size());
    assertEquals(Optional.empty(), small.get(key("b")), "b was used least recently");
    assertTrue(small.get(key("a")).isPresent());
    assertTrue(small.get(key("c")).isPresent());
    assertTrue(small.get(key("d")).isPresent());
  }

  @Test
  void replacingAReplyCountsAsAUseAndDoesNotGrowTheCache() {
    InMemoryReplyCache small = new InMemoryReplyCache(2, nanos::get);
    small.put(key("a"), reply("a"), MINUTE);
    small.put(key("b"), reply("b"), MINUTE);
    small.put(key("a"), reply("a2"), MINUTE);

    small.put(key("c"), reply("c"), MINUTE);

    assertEquals(Optional.of(reply("a2")), small.get(key("a")));
    assertEquals(Optional.empty(), small.get(key("b")));
  }

  @Test
  void aCacheOfNoEntriesIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new InMemoryReplyCache(0));
    assertEquals("a reply cache holds at least 1 entry, was asked for 0", e.getMessage());
  }

  @Test
  void manyThreadsPuttingAndGettingAtOnceStayWithinTheBoundAndSeeOnlyTheirOwnReplies() throws Exception {
    int threads = 8;
    int rounds = 5_000;
    int prompts = 80;
    int bound = 50;
    InMemoryReplyCache shared = new InMemoryReplyCache(bound);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> work = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        work.add(pool.submit(() -> {
          CacheKey[] keys = new CacheKey[prompts];
          for (int p = 0; p < prompts; p++) {
            keys[p] = key(thread + "/" + p);
          }
          start.await();
          for (int i = 0; i < rounds; i++) {
            shared.put(keys[i % prompts], reply(thread + "/" + (i % prompts)), MINUTE);
            int wanted = (i * 7) % prompts;
            Optional<LlmResponse> found = shared.get(keys[wanted]);
            if (found.isPresent() && !found.get().text().equals(thread + "/" + wanted)) {
              throw new AssertionError("asked for " + thread + "/" + wanted + ", got the reply to "
                  + found.get().text());
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : work) {
        try {
          future.get();
        } catch (ExecutionException e) {
          throw new AssertionError(e.getCause());
        }
      }
    }

    assertEquals(bound, shared.size());
  }
}
