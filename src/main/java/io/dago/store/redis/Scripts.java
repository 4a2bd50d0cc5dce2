package io.dago.store.redis;

/**
 * The Lua scripts that make each change of a graph one atomic step in Redis. Their keys all carry the graph's
 * shard tag (see {@link RedisKeys}), so they run on a Redis Cluster as well.
 *
 * <p>Optimistic concurrency without a version key: a graph's events are stream entries with explicit ids
 * {@code 0-<seq>}, and Redis refuses an {@code XADD} whose id is not above the stream's last one. A change is
 * committed by writing its first event at {@code 0-<last seq seen + 1>}; if another instance committed first, that
 * id is taken, the script stops before writing anything, and the caller catches up and tries again.
 */
final class Scripts {
  private Scripts() {}

  /**
   * A new graph. KEYS: graph hash, events, index, queue, idempotency key (the graph hash again when none).
   * ARGV: document, summary, graph id, idempotency value or '', events cap, event count, events..., root count,
   * (node, attempt) per root. Returns 'OK', or the idempotency key's earlier value (nothing written).
   */
  static final Redis.Script CREATE = Redis.Script.of("""
      if ARGV[4] ~= '' then
        local prior = redis.call('GET', KEYS[5])
        if prior then return prior end
        redis.call('SET', KEYS[5], ARGV[4])
      end
      redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'sum', ARGV[2])
      redis.call('ZADD', KEYS[3], 0, ARGV[3])
      local n = tonumber(ARGV[6])
      for k = 1, n do
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '0-' .. k, 'e', ARGV[6 + k])
      end
      local i = 7 + n
      for k = 0, tonumber(ARGV[i]) - 1 do
        redis.call('XADD', KEYS[4], '*', 'g', ARGV[3], 'n', ARGV[i + 1 + 2 * k], 'a', ARGV[i + 2 + 2 * k])
      end
      return 'OK'
      """);

  /**
   * Changes of a running graph, committed together. KEYS: events, queue, delayed, graph hash, idempotency key (the
   * graph hash again when none). ARGV: first seq, events cap, graph id, final summary or '' (the graph ended), time
   * to live in ms once ended, event count, events..., dispatch count, (node, attempt, delay ms) per dispatch, count
   * of task entries to acknowledge, entry ids. Returns 1, or 0 when another instance committed first (nothing
   * written).
   */
  static final Redis.Script COMMIT = Redis.Script.of("""
      local n = tonumber(ARGV[6])
      local first = tonumber(ARGV[1])
      local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '0-' .. first, 'e', ARGV[7])
      if type(added) == 'table' and added.err then return 0 end
      for k = 2, n do
        redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '0-' .. (first + k - 1), 'e', ARGV[6 + k])
      end
      local i = 7 + n
      local now = nil
      for k = 0, tonumber(ARGV[i]) - 1 do
        local node, attempt, delay = ARGV[i + 1 + 3 * k], ARGV[i + 2 + 3 * k], tonumber(ARGV[i + 3 + 3 * k])
        if delay <= 0 then
          redis.call('XADD', KEYS[2], '*', 'g', ARGV[3], 'n', node, 'a', attempt)
        else
          if not now then
            local t = redis.call('TIME')
            now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          end
          redis.call('ZADD', KEYS[3], now + delay, ARGV[3] .. ':' .. node .. ':' .. attempt)
        end
      end
      i = i + 1 + 3 * tonumber(ARGV[i])
      local acks = tonumber(ARGV[i])
      if acks > 0 then redis.call('XACK', KEYS[2], 'dago', unpack(ARGV, i + 1, i + acks)) end
      if ARGV[4] ~= '' then
        redis.call('HSET', KEYS[4], 'sum', ARGV[4])
        redis.call('PEXPIRE', KEYS[4], ARGV[5])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        if KEYS[5] ~= KEYS[4] then redis.call('PEXPIRE', KEYS[5], ARGV[5]) end
      end
      return 1
      """);

  /**
   * Moves tasks whose backoff has passed to the queue. KEYS: delayed, queue. Members are {@code graph:node:attempt},
   * with {@code :r} after a redelivered task that was postponed (see {@link #POSTPONE}). Returns how many moved.
   */
  static final Redis.Script MOVE_DUE = Redis.Script.of("""
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
      for _, member in ipairs(due) do
        local g, n, a, r = string.match(member, '^(.*):(%d+):(%d+)(:?r?)$')
        if r == ':r' then
          redis.call('XADD', KEYS[2], '*', 'g', g, 'n', n, 'a', a, 'r', '1')
        else
          redis.call('XADD', KEYS[2], '*', 'g', g, 'n', n, 'a', a)
        end
        redis.call('ZREM', KEYS[1], member)
      end
      return #due
      """);

  /**
   * Puts a task taken but not started back for later, in one step: acknowledges its entry and adds it to the delayed
   * set. KEYS: queue, delayed. ARGV: the entry id, the delayed member ({@code graph:node:attempt}, plus {@code :r}
   * when the task was redelivered, so it comes back as such), the delay in ms. Returns 1, or 0 when the entry had
   * already been acknowledged (its outcome was stored meanwhile, by a worker that took it over): nothing written.
   */
  static final Redis.Script POSTPONE = Redis.Script.of("""
      if redis.call('XACK', KEYS[1], 'dago', ARGV[1]) == 0 then return 0 end
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
      return 1
      """);

  /**
   * Drops queue entries every consumer is done with: those below both the oldest unacknowledged entry and the
   * group's last delivered one (acknowledging an entry does not delete it). KEYS: queue. Returns how many went.
   */
  static final Redis.Script TRIM_QUEUE = Redis.Script.of("""
      local keep = nil
      for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
        for i = 1, #group, 2 do
          if group[i] == 'last-delivered-id' then keep = group[i + 1] end
        end
      end
      if not keep then return 0 end
      local pending = redis.call('XPENDING', KEYS[1], 'dago')
      if pending[1] > 0 then keep = pending[2] end
      return redis.call('XTRIM', KEYS[1], 'MINID', keep)
      """);
}
